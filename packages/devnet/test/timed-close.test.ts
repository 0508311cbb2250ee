import assert from 'node:assert/strict';
import { Account, Asset, Horizon, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { TestNetwork, startTestNetwork } from '../src/testing';

/** Timed ledgers with a cap on operations, filled like a transaction set. */
describe('devnet: timed ledgers with an operation cap', function () {
  this.timeout(60000);
  let net: TestNetwork;
  const sources = [Keypair.random(), Keypair.random(), Keypair.random()];
  const dest = Keypair.random();

  before(async () => {
    net = await startTestNetwork({ close: 1500, maxOpsPerLedger: 100 });
    for (const s of [...sources, dest]) await net.fund(s, '100');
  });
  after(async () => {
    await net?.close();
  });

  const payments = async (source: Keypair, n: number, seqOffset = 0n) => {
    const acc = await net.server.loadAccount(source.publicKey());
    const b = new TransactionBuilder(new Account(source.publicKey(), (BigInt(acc.sequence) + seqOffset).toString()),
      { fee: '100', networkPassphrase: net.passphrase }).setTimeout(60);
    for (let i = 0; i < n; i++) b.addOperation(Operation.payment({ destination: dest.publicKey(), asset: Asset.native(), amount: '0.0000001' }));
    const tx = b.build();
    tx.sign(source);
    return tx;
  };

  it('lets a later transaction that fits go in when an earlier one waits, and keeps a waiting source in order', async () => {
    const [a, b, c] = sources;
    const big1 = await payments(a, 60);
    const big2 = await payments(b, 60);      // does not fit beside big1: waits
    const next2 = await payments(b, 5, 1n);  // b's next transaction waits behind big2
    const small = await payments(c, 30);     // fits beside big1
    // Submitted in this order within one ledger's window (each POST answers only at close).
    await new Promise<void>((resolve) => net.devnet.once('ledger', () => resolve()));
    const pending = [];
    for (const tx of [big1, big2, next2, small]) {
      pending.push(net.server.submitTransaction(tx));
      await new Promise((r) => setTimeout(r, 60));
    }
    const results = await Promise.all(pending);
    const ledgers = results.map((r: Horizon.HorizonApi.SubmitTransactionResponse) => r.ledger);
    assert.ok(results.every((r) => r.successful));
    assert.equal(ledgers[3], ledgers[0], 'the small transaction shares the first ledger');
    assert.ok(ledgers[1] > ledgers[0], 'the one that did not fit went into a later ledger');
    assert.ok(ledgers[2] >= ledgers[1], 'its source\'s next transaction did not overtake it');
    const first = await net.server.ledgers().ledger(ledgers[0]).call() as unknown as { operation_count: number };
    assert.equal(first.operation_count, 90);
  });
});
