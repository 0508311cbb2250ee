import assert from 'node:assert/strict';
import { parseAmount } from '../../src/core/amounts';
import { KeyLookup, LedgerCurrency, LedgerError, isLedgerError } from '../../src/core/ledger';
import { createLogger } from '../../src/logger';
import { StellarLedger, createStellarLedger } from '../../src/ledger/stellar/stellar-ledger';
import { Redacted } from '../../src/vault/redacted';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';

const u = (s: string) => parseAmount(s, { allowZero: true }) as bigint;

describe('Stellar ledger adapter on the devnet', function () {
  this.timeout(60000);
  let net: TestNetwork;
  let ledger: StellarLedger;
  const secrets = new Map<string, Redacted<string>>();
  const keys: KeyLookup = async (pk) => {
    const s = secrets.get(pk);
    if (!s) throw new Error(`no key for ${pk}`);
    return s;
  };
  const hubSecrets = new Map<string, { publicKey: string; secret: Redacted<string> }>();

  function newCurrency(code: string, rate = { n: 1, d: 1 }): LedgerCurrency {
    const k = () => {
      const nk = ledger.newKey();
      secrets.set(nk.publicKey, nk.secret);
      return nk.publicKey;
    };
    return {
      code, rate, traderMaxBalance: u('1000'),
      accounts: { issuer: k(), credit: k(), admin: k(), externalIssuer: k(), externalTrader: k() },
    };
  }

  async function member(c: LedgerCurrency, creditLimit: string, maxBalance: string) {
    const nk = ledger.newKey();
    secrets.set(nk.publicKey, nk.secret);
    await ledger.provisionAccount(c, { publicKey: nk.publicKey, creditLimit: u(creditLimit), maxBalance: u(maxBalance) }, keys);
    return { currency: c, publicKey: nk.publicKey };
  }

  before(async () => {
    net = await startTestNetwork();
    ledger = await createStellarLedger({
      horizonUrl: net.url, passphrase: net.passphrase, friendbotUrl: `${net.url}/friendbot`, channels: 3,
      logger: createLogger('silent'),
      hubKeys: {
        load: async (name) => hubSecrets.get(name) ?? null,
        save: async (name, publicKey, secret) => { hubSecrets.set(name, { publicKey, secret }); },
      },
    });
  });
  after(async () => {
    await ledger?.close();
    await net?.close();
  });

  it('provisions currencies and members, pays locally and across a credit line, and refuses beyond it', async () => {
    const A = newCurrency('AAAA');
    const B = newCurrency('BBBB', { n: 1, d: 2 }); // 2 B = 1 HOUR
    await ledger.provisionCurrency(A, keys, { creditBalance: u('10000'), traderCredit: u('100') });
    await ledger.provisionCurrency(B, keys, { creditBalance: u('10000'), traderCredit: u('100') });
    const a1 = await member(A, '50', '500');
    const a2 = await member(A, '50', '500');
    const b1 = await member(B, '50', '500');
    assert.equal(await ledger.balance(A, a1.publicKey), u('50'));

    const local = await ledger.payLocal({ id: 'l1', from: a1, to: a2, destAmount: u('10'), sendMax: u('10'), path: [] }, keys);
    assert.ok(!isLedgerError(local));
    assert.equal(await ledger.balance(A, a2.publicKey), u('60'));

    // No credit line yet: no path from A to B.
    assert.equal(await ledger.quoteReceive(a1, b1, u('2')), LedgerError.NoPath);

    // B accepts up to 20 B (= 10 HOUR) of A's HOUR.
    assert.equal(await ledger.setCreditLine(B, A, u('20'), keys), undefined);
    const q = await ledger.quoteReceive(a1, b1, u('8'));
    assert.ok(!isLedgerError(q), String(q));
    assert.equal(q.sourceAmount, u('4'));
    const paid = await ledger.pay({ id: 'x1', from: a1, to: b1, destAmount: u('8'), sendMax: q.sourceAmount, path: q.path }, keys);
    assert.ok(!isLedgerError(paid), String(paid));
    assert.equal(paid.sourceAmount, u('4'));
    assert.equal(await ledger.balance(B, b1.publicKey), u('58'));
    assert.equal(await ledger.balance(A, a1.publicKey), u('36'));
    assert.equal(await ledger.creditLineUsage(B, A), u('8'));

    // 12 B of room left: 14 does not fit.
    const over = await ledger.quoteReceive(a1, b1, u('14'));
    assert.equal(over, LedgerError.NoPath);
    const forced = await ledger.pay({ id: 'x2', from: a1, to: b1, destAmount: u('14'), sendMax: u('7'), path: q.path }, keys);
    assert.equal(forced, LedgerError.CreditLineFull);

    // Lowering the line below what is outstanding is refused.
    assert.equal(await ledger.setCreditLine(B, A, u('6'), keys), LedgerError.BelowOutstanding);

    // After settlement the traders' offers are kept right: B can pay back through the
    // HOUR(A) its trader now holds, although A extends no credit to B, and that frees B's line.
    await ledger.rebalance(A, keys);
    await ledger.rebalance(B, keys);
    const back = await ledger.quoteReceive(b1, a1, u('3'));
    assert.ok(!isLedgerError(back), String(back));
    assert.equal(back.sourceAmount, u('6'));
    const repaid = await ledger.pay({ id: 'x3', from: b1, to: a1, destAmount: u('3'), sendMax: back.sourceAmount, path: back.path }, keys);
    assert.ok(!isLedgerError(repaid), String(repaid));
    assert.equal(await ledger.creditLineUsage(B, A), u('2'));
    await ledger.rebalance(B, keys);
    const again = await ledger.quoteReceive(a1, b1, u('18'));
    assert.ok(!isLedgerError(again), 'the freed room can be used again');
    // Beyond what B holds of A's HOUR, B cannot pay A: A extends B no credit.
    assert.equal(await ledger.quoteReceive(b1, a1, u('2')), LedgerError.NoPath);
  });
});
