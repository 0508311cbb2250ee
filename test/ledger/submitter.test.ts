/**
 * The submission engine's failure handling against the real devnet: lost answers,
 * sequence numbers used behind its back, fees below the network's, and a crowd of
 * concurrent jobs on few channels. A small HTTP proxy between the engine and the
 * devnet drops what a flaky network would drop and records every submission's answer.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Asset, Horizon, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { parseAmount } from '../../src/core/amounts';
import { KeyLookup, LedgerCurrency, PaymentOrder, isLedgerError } from '../../src/core/ledger';
import { createLogger } from '../../src/logger';
import { StellarLedger, createStellarLedger } from '../../src/ledger/stellar/stellar-ledger';
import { Submitter } from '../../src/ledger/stellar/submitter';
import { Redacted } from '../../src/vault/redacted';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';

const u = (s: string) => parseAmount(s, { allowZero: true }) as bigint;
const logger = createLogger(process.env.TEST_LOG_LEVEL === 'warn' ? 'warn' : 'silent');

interface Submission {
  status: number;
  /** Horizon's transaction result code of a refused submission. */
  code?: string;
  hash?: string;
}

/**
 * A forwarding proxy in front of Horizon. `drop('response')` lets the next POST
 * /transactions reach the devnet but closes the client's socket instead of answering;
 * `drop('request')` closes it before forwarding, so the devnet never sees it.
 */
interface Proxy {
  url: string;
  /** Answers the devnet gave to POST /transactions, in order (dropped ones included). */
  submissions: Submission[];
  dropped: number;
  drop(what: 'response' | 'request'): void;
  close(): Promise<void>;
}

async function startProxy(target: string): Promise<Proxy> {
  const up = new URL(target);
  let pending: 'response' | 'request' | null = null;
  const proxy = {
    url: '', submissions: [] as Submission[], dropped: 0,
    drop(what: 'response' | 'request') { pending = what; },
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const isSubmit = req.method === 'POST' && (req.url ?? '').split('?')[0] === '/transactions';
      const drop = isSubmit ? pending : null;
      if (drop) pending = null;
      if (drop === 'request') {
        proxy.dropped++;
        req.socket.destroy();
        return;
      }
      const fwd = http.request({
        host: up.hostname, port: up.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: up.host },
      }, (ures) => {
        const body: Buffer[] = [];
        ures.on('data', (c: Buffer) => body.push(c));
        ures.on('end', () => {
          const text = Buffer.concat(body);
          if (isSubmit) {
            const json = JSON.parse(text.toString()) as { hash?: string; extras?: { hash?: string; result_codes?: { transaction?: string; inner_transaction?: string } } };
            const codes = json.extras?.result_codes;
            proxy.submissions.push({
              status: ures.statusCode ?? 0,
              code: codes ? (codes.inner_transaction ?? codes.transaction) : undefined,
              hash: json.hash ?? json.extras?.hash,
            });
          }
          if (drop === 'response') {
            proxy.dropped++;
            res.socket?.destroy();
            return;
          }
          res.writeHead(ures.statusCode ?? 502, ures.headers);
          res.end(text);
        });
      });
      fwd.on('error', () => res.socket?.destroy());
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return proxy;
}

describe('submission engine failure handling on the devnet', function () {
  this.timeout(60000);
  let net: TestNetwork;
  let proxy: Proxy;
  let ledger: StellarLedger;
  const secrets = new Map<string, Redacted<string>>();
  const keys: KeyLookup = async (pk) => {
    const s = secrets.get(pk);
    if (!s) throw new Error(`no key for ${pk}`);
    return s;
  };
  const hubSecrets = new Map<string, { publicKey: string; secret: Redacted<string> }>();
  let A: LedgerCurrency;
  let seq = 0;

  const newKey = () => {
    const nk = ledger.newKey();
    secrets.set(nk.publicKey, nk.secret);
    return nk.publicKey;
  };
  async function member(c: LedgerCurrency, creditLimit: string, maxBalance: string) {
    const publicKey = newKey();
    await ledger.provisionAccount(c, { publicKey, creditLimit: u(creditLimit), maxBalance: u(maxBalance) }, keys);
    return { currency: c, publicKey };
  }
  const order = (from: { currency: LedgerCurrency; publicKey: string }, to: { currency: LedgerCurrency; publicKey: string }, amount: string): PaymentOrder =>
    ({ id: `o${++seq}`, from, to, destAmount: u(amount), sendMax: u(amount), path: [] });

  /** Payments of `asset` received by `account`, as the ledger's history lists them. */
  async function paymentsTo(account: string, asset: Asset): Promise<Array<{ amount: string; hash: string }>> {
    const page = await net.server.payments().forAccount(account).limit(200).call();
    return (page.records as unknown as Array<{ type: string; to?: string; amount?: string; asset_code?: string; asset_issuer?: string; transaction_hash: string }>)
      .filter((r) => r.type === 'payment' && r.to === account && r.asset_code === asset.getCode() && r.asset_issuer === asset.getIssuer())
      .map((r) => ({ amount: r.amount ?? '', hash: r.transaction_hash }));
  }
  const localAsset = (c: LedgerCurrency) => new Asset(c.code, c.accounts.issuer);

  before(async () => {
    net = await startTestNetwork();
    proxy = await startProxy(net.url);
    // One channel: which channel a payment uses is then known (the sequence test).
    ledger = await createStellarLedger({
      horizonUrl: proxy.url, passphrase: net.passphrase, friendbotUrl: `${proxy.url}/friendbot`, channels: 1, logger,
      hubKeys: {
        load: async (name) => hubSecrets.get(name) ?? null,
        save: async (name, publicKey, secret) => { hubSecrets.set(name, { publicKey, secret }); },
      },
    });
    A = {
      code: 'SUBA', rate: { n: 1, d: 1 }, traderMaxBalance: u('1000'),
      accounts: { issuer: newKey(), credit: newKey(), admin: newKey(), externalIssuer: newKey(), externalTrader: newKey() },
    };
    await ledger.provisionCurrency(A, keys, { creditBalance: u('100000'), traderCredit: u('100') });
  });
  after(async () => {
    await ledger?.close();
    await proxy?.close();
    await net?.close();
  });

  it('a lost answer to a submission that applied is found by hash, reported as success, and paid once', async () => {
    const payer = await member(A, '50', '500');
    const payee = await member(A, '0', '500');
    const recorded: string[] = [];
    const before = proxy.submissions.length;
    proxy.drop('response');
    const paid = await ledger.pay(order(payer, payee, '7'), keys, async (s) => { recorded.push(s.hash); });
    assert.ok(!isLedgerError(paid), String(paid));
    assert.equal(proxy.dropped, 1, 'the answer was dropped');
    assert.deepEqual(proxy.submissions.slice(before).map((s) => s.status), [200], 'submitted once, applied once; found by hash, not resent');
    assert.deepEqual(recorded, [paid.hash], 'one envelope, recorded before it was sent');
    assert.equal(await ledger.balance(A, payee.publicKey), u('7'));
    assert.deepEqual(await paymentsTo(payee.publicKey, localAsset(A)), [{ amount: '7.0000000', hash: paid.hash }]);
  });

  it('a submission lost before reaching the network is resent as the same envelope, and paid once', async () => {
    const payer = await member(A, '50', '500');
    const payee = await member(A, '0', '500');
    const recorded: string[] = [];
    const droppedBefore = proxy.dropped;
    const before = proxy.submissions.length;
    proxy.drop('request');
    const paid = await ledger.pay(order(payer, payee, '3'), keys, async (s) => { recorded.push(s.hash); });
    assert.ok(!isLedgerError(paid), String(paid));
    assert.equal(proxy.dropped, droppedBefore + 1);
    assert.deepEqual(proxy.submissions.slice(before).map((s) => [s.status, s.hash]), [[200, paid.hash]], 'the resent envelope is the first one');
    assert.deepEqual(recorded, [paid.hash], 'one envelope, recorded once, resent as it was');
    assert.equal(await ledger.balance(A, payee.publicKey), u('3'));
    assert.deepEqual(await paymentsTo(payee.publicKey, localAsset(A)), [{ amount: '3.0000000', hash: paid.hash }]);
  });

  it('a channel sequence used behind the engine’s back never reaches the caller as tx_bad_seq', async () => {
    const payer = await member(A, '50', '500');
    const payee = await member(A, '0', '500');
    // The engine has used (and cached) the channel's sequence by now.
    assert.ok(!isLedgerError(await ledger.pay(order(payer, payee, '1'), keys)));
    const stored = hubSecrets.get('channel:0');
    assert.ok(stored, 'the channel key is in the hub key store');
    const channel = Keypair.fromSecret(stored.secret.reveal());
    const seqBefore = BigInt((await net.server.loadAccount(channel.publicKey())).sequence);
    // The root pays the fee; the channel signs its bumpSequence (channels hold no XLM).
    await net.submit(net.root, [Operation.bumpSequence({ source: channel.publicKey(), bumpTo: (seqBefore + 1000n).toString() })], [channel]);

    const before = proxy.submissions.length;
    const paid = await ledger.pay(order(payer, payee, '2'), keys);
    assert.ok(!isLedgerError(paid), String(paid));
    const answers = proxy.submissions.slice(before).map((s) => s.code ?? s.status);
    assert.deepEqual(answers, ['tx_bad_seq', 200], 'refused once for its sequence, then rebuilt and applied');
    assert.equal(BigInt((await net.server.loadAccount(channel.publicKey())).sequence), seqBefore + 1001n);
    assert.equal(await ledger.balance(A, payee.publicKey), u('3'));
    assert.equal((await paymentsTo(payee.publicKey, localAsset(A))).length, 2);
  });

  it('a fee below the network’s is refused with tx_insufficient_fee, re-bumped, and paid once', async () => {
    // A network whose base fee is ten times what the engine offers at first (100).
    const dear = await startTestNetwork({ baseFee: 1000 });
    const dearProxy = await startProxy(dear.url);
    const server = new Horizon.Server(dearProxy.url, { allowHttp: true });
    const sponsor = Keypair.random();
    const channel = Keypair.random();
    const alice = Keypair.random();
    const bob = Keypair.random();
    let engine: Submitter | null = null;
    try {
      await dear.fund(sponsor);
      await dear.fund(alice);
      // The harness pays 100 per operation, too little here: this set-up pays the network's fee.
      const setup = new TransactionBuilder(await dear.server.loadAccount(sponsor.publicKey()), { fee: '1000', networkPassphrase: dear.passphrase })
        .addOperation(Operation.createAccount({ destination: channel.publicKey(), startingBalance: '1' }))
        .addOperation(Operation.createAccount({ destination: bob.publicKey(), startingBalance: '10' }))
        .setTimeout(0).build();
      setup.sign(sponsor);
      await dear.server.submitTransaction(setup, { skipMemoRequiredCheck: true });

      engine = new Submitter({ server, passphrase: dear.passphrase, sponsor, channels: [channel], logger });
      const hashes: string[] = [];
      const outcome = await engine.submit({
        ops: [Operation.payment({ source: alice.publicKey(), destination: bob.publicKey(), asset: Asset.native(), amount: '5' })],
        signers: [alice],
        onSubmit: async (s) => { hashes.push(s.hash); },
      });
      assert.ok(outcome.ok, JSON.stringify(outcome));
      const answers = dearProxy.submissions;
      assert.ok(answers.length >= 2);
      assert.deepEqual(answers.slice(0, -1).map((a) => a.code), answers.slice(0, -1).map(() => 'tx_insufficient_fee'), 'the first bumps are refused');
      assert.equal(answers[answers.length - 1].status, 200, 'a higher bump applies');
      assert.equal(new Set(hashes).size, answers.length, 'each bump is a new envelope, recorded before it is sent');
      assert.equal(hashes[hashes.length - 1], outcome.hash);
      const bobAccount = await dear.server.loadAccount(bob.publicKey());
      assert.equal(bobAccount.balances.find((b) => b.asset_type === 'native')?.balance, '15.0000000', 'paid once');
      const page = await dear.server.payments().forAccount(bob.publicKey()).call();
      assert.equal(page.records.filter((r) => r.type === 'payment').length, 1);
      // The sponsor, not the channel, paid: the channel's 1 XLM is untouched.
      const ch = await dear.server.loadAccount(channel.publicKey());
      assert.equal(ch.balances.find((b) => b.asset_type === 'native')?.balance, '1.0000000');
    } finally {
      await engine?.close();
      await dearProxy.close();
      await dear.close();
    }
  });

  it('many concurrent jobs on few channels all settle, none on a sequence error, in batches', async () => {
    // An engine of two channels of its own, through the recording proxy.
    const store = new Map<string, { publicKey: string; secret: Redacted<string> }>();
    const two = await createStellarLedger({
      horizonUrl: proxy.url, passphrase: net.passphrase, friendbotUrl: `${proxy.url}/friendbot`, channels: 2, logger,
      hubKeys: { load: async (n) => store.get(n) ?? null, save: async (n, publicKey, secret) => { store.set(n, { publicKey, secret }); } },
    });
    try {
      const payers: Array<Awaited<ReturnType<typeof member>>> = [];
      for (let i = 0; i < 10; i++) payers.push(await member(A, '100', '500'));
      const payee = await member(A, '0', '100000');
      const before = proxy.submissions.length;
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => two.pay(order(payers[i % 10], payee, '1'), keys)));
      const answers = proxy.submissions.slice(before);
      assert.equal(results.filter((r) => !isLedgerError(r)).length, 200, 'every payment settled');
      assert.ok(!answers.some((a) => a.code === 'tx_bad_seq'), 'no submission was refused for its sequence');
      const txs = new Set(results.map((r) => (isLedgerError(r) ? '' : r.hash)));
      assert.ok(txs.size < 50, `payments were batched: ${txs.size} transactions for 200 payments`);
      assert.equal(answers.filter((a) => a.status === 200).length, txs.size, 'one successful submission per transaction');
      assert.equal(await two.balance(A, payee.publicKey), u('200'));
    } finally {
      await two.close();
    }
  });
});
