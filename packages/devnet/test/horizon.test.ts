/**
 * The Horizon API of the devnet, as @stellar/stellar-sdk sees it: the shapes it reads
 * (accounts, submission results and errors, pages and links, offers, order book,
 * fee stats, paths) and Horizon's problem responses for bad input.
 */
import { strict as assert } from 'node:assert';
import {
  Asset, Horizon, Keypair, NotFoundError, Operation, TransactionBuilder, xdr,
} from '@stellar/stellar-sdk';
import { TestNetwork, startTestNetwork } from '../src/testing';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  extras?: Record<string, unknown> & {
    invalid_field?: string;
    result_codes?: { transaction: string; operations?: string[] };
    result_xdr?: string;
    envelope_xdr?: string;
  };
}

/** The problem body of a rejected SDK call (axios error with response.data). */
async function problemOf(p: Promise<unknown>): Promise<{ status: number; body: Problem }> {
  try {
    await p;
  } catch (err) {
    const res = (err as { response?: { status: number; data: Problem } }).response;
    if (res) return { status: res.status, body: res.data };
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: Problem & Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() as Problem & Record<string, unknown>, headers: res.headers };
}

describe('devnet Horizon API', function () {
  this.timeout(60_000);
  let net: TestNetwork;
  const alice = Keypair.random();
  const bob = Keypair.random();
  const issuer = Keypair.random();
  let usd: Asset;

  before(async () => {
    net = await startTestNetwork();
    usd = new Asset('USD', issuer.publicKey());
    await net.fund(alice);
    await net.fund(bob, '100');
    await net.fund(issuer, '1000');
  });
  after(() => net?.close());

  it('GET / describes the network and its latest ledger', async () => {
    const root = await net.server.root();
    assert.equal(root.network_passphrase, net.passphrase);
    assert.ok(root.history_latest_ledger >= 4);
    assert.equal(root.core_latest_ledger, root.history_latest_ledger);
    assert.ok(Number(root.current_protocol_version) > 0);
  });

  it('loadAccount returns sequence, thresholds, flags, signers and native balance last', async () => {
    await net.submit(alice, [
      Operation.changeTrust({ asset: usd, limit: '1000' }),
      Operation.manageData({ name: 'greeting', value: 'hello' }),
    ]);
    const acc = await net.server.loadAccount(alice.publicKey());
    assert.equal(typeof acc.sequence, 'string');
    assert.equal(acc.accountId(), alice.publicKey());
    assert.equal(acc.subentry_count, 2);
    assert.deepEqual(acc.thresholds, { low_threshold: 0, med_threshold: 0, high_threshold: 0 });
    assert.equal(acc.flags.auth_required, false);
    assert.deepEqual(acc.signers, [{ weight: 1, key: alice.publicKey(), type: 'ed25519_public_key' }]);
    assert.equal(Buffer.from(acc.data_attr.greeting, 'base64').toString(), 'hello');
    assert.equal(acc.num_sponsoring, 0);
    assert.equal(acc.balances.length, 2);
    const [line, native] = acc.balances as [Horizon.HorizonApi.BalanceLineAsset, Horizon.HorizonApi.BalanceLineNative];
    assert.equal(line.asset_code, 'USD');
    assert.equal(line.asset_issuer, issuer.publicKey());
    assert.equal(line.limit, '1000.0000000');
    assert.equal(line.balance, '0.0000000');
    assert.equal(line.is_authorized, true);
    assert.equal(line.buying_liabilities, '0.0000000');
    assert.equal(native.asset_type, 'native');
    assert.equal('limit' in native, false);
    assert.match(native.balance, /^\d+\.\d{7}$/);
  });

  it('an unknown account is a 404 the SDK raises as NotFoundError', async () => {
    await assert.rejects(net.server.loadAccount(Keypair.random().publicKey()), NotFoundError);
    const { status, body } = await getJson(`${net.url}/accounts/${Keypair.random().publicKey()}`);
    assert.equal(status, 404);
    assert.equal(body.type, 'https://stellar.org/horizon-errors/not_found');
  });

  it('a successful submission answers the transaction resource', async () => {
    const res = await net.submit(alice, [Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: '10' })]);
    assert.equal(res.successful, true);
    assert.match(res.hash, /^[0-9a-f]{64}$/);
    assert.ok(res.ledger > 0);
    const result = xdr.TransactionResult.fromXDR(res.result_xdr, 'base64');
    assert.equal(result.result().switch().name, 'txSuccess');
    assert.equal(result.feeCharged().toString(), '100');
    const tx = await net.server.transactions().transaction(res.hash).call();
    assert.equal(tx.fee_charged, '100');
    assert.equal(tx.source_account, alice.publicKey());
    assert.equal(tx.operation_count, 1);
    const ops = await tx.operations();
    assert.equal(ops.records[0].type, 'payment');
  });

  it('a failing operation is a 400 transaction_failed with result codes and XDR', async () => {
    const { status, body } = await problemOf(net.submit(bob, [
      Operation.payment({ destination: alice.publicKey(), asset: Asset.native(), amount: '5000' }),
    ]));
    assert.equal(status, 400);
    assert.equal(body.type, 'https://stellar.org/horizon-errors/transaction_failed');
    assert.deepEqual(body.extras?.result_codes, { transaction: 'tx_failed', operations: ['op_underfunded'] });
    const result = xdr.TransactionResult.fromXDR(body.extras!.result_xdr!, 'base64');
    assert.equal(result.result().switch().name, 'txFailed');
    assert.ok(body.extras?.envelope_xdr);
  });

  it('a bad sequence number is tx_bad_seq', async () => {
    const acc = await net.server.loadAccount(bob.publicKey());
    acc.incrementSequenceNumber();
    const tx = new TransactionBuilder(acc, { fee: '100', networkPassphrase: net.passphrase })
      .addOperation(Operation.bumpSequence({ bumpTo: '0' })).setTimeout(0).build();
    tx.sign(bob);
    const { body } = await problemOf(net.server.submitTransaction(tx, { skipMemoRequiredCheck: true }));
    assert.equal(body.extras?.result_codes?.transaction, 'tx_bad_seq');
  });

  it('undecodable XDR is 400 transaction_malformed; a body over 256 KB is 413', async () => {
    const post = (body: string) => getJson(`${net.url}/transactions`, {
      method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    const bad = await post('tx=AAAAAgAAAAB%2Fnonsense');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.type, 'https://stellar.org/horizon-errors/transaction_malformed');
    const missing = await post('nothing=1');
    assert.equal(missing.body.extras?.invalid_field, 'tx');
    const big = await post(`tx=${'A'.repeat(300 * 1024)}`);
    assert.equal(big.status, 413);
  });

  it('pages with cursors and _links: next, prev, order and limit', async () => {
    for (let i = 1; i <= 3; i++) {
      await net.submit(alice, [Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: String(i) })]);
    }
    const all = await net.server.payments().forAccount(bob.publicKey()).limit(200).call();
    const tokens = all.records.map((r) => r.paging_token);
    assert.ok(tokens.length >= 5);
    assert.deepEqual([...tokens].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)), tokens, 'ascending by paging token');
    const first = await net.server.payments().forAccount(bob.publicKey()).limit(2).call();
    assert.deepEqual(first.records.map((r) => r.paging_token), tokens.slice(0, 2));
    const second = await first.next();
    assert.deepEqual(second.records.map((r) => r.paging_token), tokens.slice(2, 4));
    const back = await second.prev();
    assert.deepEqual(back.records.map((r) => r.paging_token), [tokens[1], tokens[0]]);
    const desc = await net.server.payments().forAccount(bob.publicKey()).order('desc').limit(1).call();
    assert.equal(desc.records[0].paging_token, tokens[tokens.length - 1]);
    const after = await net.server.payments().forAccount(bob.publicKey()).cursor(tokens[2]).call();
    assert.deepEqual(after.records.map((r) => r.paging_token), tokens.slice(3));
    const raw = await getJson(`${net.url}/payments?limit=2&order=asc`);
    const links = raw.body._links as Record<string, { href: string }>;
    assert.match(links.self.href, /^http:\/\/127\.0\.0\.1:\d+\/payments\?cursor=&limit=2&order=asc$/);
    const embedded = (raw.body._embedded as { records: Array<{ paging_token: string }> }).records;
    assert.ok(links.next.href.includes(`cursor=${embedded[1].paging_token}`));
    assert.ok(links.prev.href.includes('order=desc'));
  });

  it('400 names the offending query parameter', async () => {
    for (const [q, field] of [
      ['/payments?limit=0', 'limit'],
      ['/payments?limit=201', 'limit'],
      ['/transactions?cursor=-5', 'cursor'],
      ['/operations?order=sideways', 'order'],
      ['/offers?seller=GNOPE', 'seller'],
      ['/paths/strict-send?source_asset_type=native&source_amount=abc&destination_assets=native', 'source_amount'],
      ['/friendbot?addr=nobody', 'addr'],
    ] as const) {
      const { status, body } = await getJson(net.url + q);
      assert.equal(status, 400, q);
      assert.equal(body.extras?.invalid_field, field, q);
    }
    const book = await getJson(`${net.url}/order_book?selling_asset_type=native&buying_asset_type=credit_alphanum4`);
    assert.equal(book.status, 400);
    assert.equal(book.body.type, 'https://stellar.org/horizon-errors/invalid_order_book');
    const method = await getJson(`${net.url}/ledgers`, { method: 'POST' });
    assert.equal(method.status, 405);
    const cors = await fetch(`${net.url}/`);
    assert.equal(cors.headers.get('access-control-allow-origin'), '*');
  });

  it('offers, order_book and trades reflect the book', async () => {
    await net.submit(bob, [Operation.changeTrust({ asset: usd })]);
    await net.submit(issuer, [Operation.payment({ destination: bob.publicKey(), asset: usd, amount: '100' })]);
    // Bob sells 30 USD at 2 XLM each in two offers at the same price and one better.
    await net.submit(bob, [
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '10', price: '2' }),
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '15', price: '2' }),
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '5', price: { n: 3, d: 2 } }),
    ]);
    const offers = await net.server.offers().forAccount(bob.publicKey()).call();
    assert.equal(offers.records.length, 3);
    assert.deepEqual(offers.records[0].price_r, { n: 2, d: 1 });
    assert.equal(offers.records[0].price, '2.0000000');
    assert.equal(offers.records[0].amount, '10.0000000');
    assert.equal(offers.records[0].seller, bob.publicKey());
    const bySelling = await net.server.offers().selling(usd).buying(Asset.native()).call();
    assert.equal(bySelling.records.length, 3);
    const one = await net.server.offers().offer(String(offers.records[2].id)).call();
    assert.equal(one.price, '1.5000000');

    const book = await net.server.orderbook(usd, Asset.native()).call();
    assert.deepEqual(book.asks.map((a) => [a.price, a.amount]), [['1.5000000', '5.0000000'], ['2.0000000', '25.0000000']]);
    assert.deepEqual(book.bids, []);
    const inverse = await net.server.orderbook(Asset.native(), usd).call();
    assert.deepEqual(inverse.bids.map((b) => [b.price_r, b.amount]), [[{ n: 2, d: 3 }, '5.0000000'], [{ n: 1, d: 2 }, '25.0000000']]);

    // Alice takes 7.5 XLM worth: crosses the 1.5 offer fully (5 USD for 7.5 XLM).
    await net.submit(alice, [Operation.manageBuyOffer({ selling: Asset.native(), buying: usd, buyAmount: '5', price: '1.5' })]);
    const trades = await net.server.trades().forAccount(alice.publicKey()).call();
    assert.equal(trades.records.length, 1);
    const t = trades.records[0];
    assert.equal(t.base_is_seller, false, 'native sorts first, so the taker is the base');
    assert.equal(t.base_amount, '7.5000000');
    assert.equal(t.counter_amount, '5.0000000');
    assert.equal(t.counter_account, bob.publicKey());
    assert.deepEqual(t.price, { n: '2', d: '3' });
    const afterBook = await net.server.orderbook(usd, Asset.native()).call();
    assert.equal(afterBook.asks.length, 1);
  });

  it('finds strict-send and strict-receive paths through the book', async () => {
    const send = await net.server.strictSendPaths(Asset.native(), '3', [usd]).call();
    assert.ok(send.records.length >= 1);
    assert.equal(send.records[0].destination_asset_code, 'USD');
    assert.equal(send.records[0].source_amount, '3.0000000');
    assert.equal(send.records[0].destination_amount, '1.5000000');
    const receive = await net.server.strictReceivePaths(alice.publicKey(), usd, '1').call();
    const viaNative = receive.records.find((r) => r.source_asset_type === 'native');
    assert.equal(viaNative?.source_amount, '2.0000000');
    assert.deepEqual(viaNative?.path, []);
  });

  it('fee_stats, ledgers and friendbot', async () => {
    assert.equal(await net.server.fetchBaseFee(), 100);
    const stats = await net.server.feeStats();
    assert.equal(stats.last_ledger_base_fee, '100');
    assert.equal(stats.fee_charged.p50, '100');
    const latest = await net.server.ledgers().order('desc').limit(1).call();
    const seq = latest.records[0].sequence;
    const ledger = await net.server.ledgers().ledger(seq).call() as unknown as Horizon.ServerApi.LedgerRecord;
    assert.equal(ledger.sequence, seq);
    assert.equal(ledger.base_fee_in_stroops, 100);
    const txs = await net.server.transactions().forLedger(seq).call();
    assert.equal(txs.records.length, latest.records[0].successful_transaction_count);
    const fresh = Keypair.random();
    const funded = await getJson(`${net.url}/friendbot/?addr=${fresh.publicKey()}`);
    assert.equal(funded.status, 200);
    assert.equal(funded.body.successful, true);
    const again = await getJson(`${net.url}/friendbot?addr=${fresh.publicKey()}`);
    assert.equal(again.status, 400);
  });
});
