/**
 * Server-sent events through the SDK's `.stream()`: records from the cursor onwards
 * (including `now`), then new ones as ledgers close; Last-Event-ID resumes.
 */
import { strict as assert } from 'node:assert';
import { Asset, Keypair, Operation } from '@stellar/stellar-sdk';
import { TestNetwork, startTestNetwork } from '../src/testing';

interface Streamable<T> {
  stream(opts: { onmessage?: (r: T) => void; onerror?: (e: unknown) => void }): () => void;
}

/** Opens a stream and resolves with the first `n` records; always closes it. */
function collect<T>(builder: Streamable<T>, n: number, timeoutMs = 10_000): { done: Promise<T[]>; close: () => void } {
  const got: T[] = [];
  let close: () => void = () => {};
  const done = new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      close();
      reject(new Error(`stream gave ${got.length} of ${n} records in ${timeoutMs} ms`));
    }, timeoutMs);
    close = builder.stream({
      onmessage: (r) => {
        got.push(r);
        if (got.length === n) {
          clearTimeout(timer);
          close();
          resolve(got);
        }
      },
    });
  });
  return { done, close: () => close() };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('devnet streaming (SSE)', function () {
  this.timeout(60_000);
  let net: TestNetwork;
  const alice = Keypair.random();
  const bob = Keypair.random();
  const issuer = Keypair.random();
  const open: Array<() => void> = [];

  before(async () => {
    net = await startTestNetwork();
    await net.fund(alice);
    await net.fund(bob);
    await net.fund(issuer, '100');
  });
  afterEach(() => { for (const c of open.splice(0)) c(); });
  after(() => net?.close());

  const pay = (from: Keypair, to: Keypair, amount: string) =>
    net.submit(from, [Operation.payment({ destination: to.publicKey(), asset: Asset.native(), amount })]);

  it("payments for an account from 'now' deliver only new payments, in order", async () => {
    const s = collect(net.server.payments().forAccount(bob.publicKey()).cursor('now'), 2);
    open.push(s.close);
    await pause(200);
    await pay(alice, bob, '1');
    await pay(alice, bob, '2');
    const got = await s.done as Array<{ type: string; amount: string; to: string; paging_token: string }>;
    assert.deepEqual(got.map((p) => [p.type, p.amount, p.to]), [['payment', '1.0000000', bob.publicKey()], ['payment', '2.0000000', bob.publicKey()]]);
    assert.ok(BigInt(got[0].paging_token) < BigInt(got[1].paging_token));
  });

  it('transactions from a past cursor replay what followed it, then continue live', async () => {
    const first = await pay(alice, bob, '3');
    const second = await pay(alice, bob, '4');
    const s = collect(net.server.transactions().forAccount(alice.publicKey()).cursor(first.paging_token), 2);
    open.push(s.close);
    await pause(200);
    const third = await pay(alice, bob, '5');
    const got = await s.done as Array<{ hash: string }>;
    assert.deepEqual(got.map((t) => t.hash), [second.hash, third.hash]);
  });

  it('ledgers stream each newly closed ledger', async () => {
    const latest = (await net.server.ledgers().order('desc').limit(1).call()).records[0].sequence;
    const s = collect(net.server.ledgers().cursor('now'), 1);
    open.push(s.close);
    await pause(200);
    const res = await pay(bob, alice, '1');
    const [ledger] = await s.done as Array<{ sequence: number }>;
    assert.equal(ledger.sequence, res.ledger);
    assert.ok(ledger.sequence > latest);
  });

  it('trades stream for the taker as offers cross', async () => {
    const usd = new Asset('USD', issuer.publicKey());
    await net.submit(bob, [Operation.changeTrust({ asset: usd })]);
    await net.submit(issuer, [Operation.payment({ destination: bob.publicKey(), asset: usd, amount: '50' })]);
    await net.submit(bob, [Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '50', price: '1' })]);
    await net.submit(alice, [Operation.changeTrust({ asset: usd })]);
    const s = collect(net.server.trades().forAccount(alice.publicKey()).cursor('now'), 1);
    open.push(s.close);
    await pause(200);
    await net.submit(alice, [Operation.manageSellOffer({ selling: Asset.native(), buying: usd, amount: '10', price: '1' })]);
    const [trade] = await s.done as Array<{ base_account: string; counter_account: string; base_amount: string; counter_amount: string }>;
    assert.equal(trade.base_account, alice.publicKey());
    assert.equal(trade.counter_account, bob.publicKey());
    assert.equal(trade.base_amount, '10.0000000');
    assert.equal(trade.counter_amount, '10.0000000');
  });

  it('operations and effects stream too', async () => {
    const ops = collect(net.server.operations().forAccount(alice.publicKey()).cursor('now'), 1);
    const effects = collect(net.server.effects().forAccount(bob.publicKey()).cursor('now'), 1);
    open.push(ops.close, effects.close);
    await pause(200);
    await pay(alice, bob, '6');
    const [op] = await ops.done as Array<{ type: string }>;
    const [effect] = await effects.done as Array<{ type: string; amount: string }>;
    assert.equal(op.type, 'payment');
    assert.equal(effect.type, 'account_credited');
    assert.equal(effect.amount, '6.0000000');
  });

  it('speaks Horizon SSE on the wire and resumes from Last-Event-ID', async () => {
    const page = await net.server.payments().forAccount(bob.publicKey()).order('desc').limit(2).call();
    const [last, before] = page.records;
    const ac = new AbortController();
    open.push(() => ac.abort());
    const res = await fetch(`${net.url}/accounts/${bob.publicKey()}/payments?cursor=0`, {
      headers: { Accept: 'text/event-stream', 'Last-Event-ID': before.paging_token },
      signal: ac.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(`id: ${last.paging_token}\n`)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    ac.abort();
    assert.ok(text.startsWith('retry: 1000\nevent: open\ndata: "hello"\n\n'), text.slice(0, 60));
    const ids = [...text.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(ids, [last.paging_token], 'only records after Last-Event-ID');
    const data = /^data: (\{.*\})$/m.exec(text)![1];
    assert.equal((JSON.parse(data) as { paging_token: string }).paging_token, last.paging_token);
  });
});
