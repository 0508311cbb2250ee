/**
 * npm run bench (npm run bench:devnet at the hub's root) — throughput and latency of the network.
 *
 * Measured at the engine level, in process, no HTTP:
 *  1. payments/s and two-hop path payments/s, two ways:
 *     a. direct op application: the op frames applied to a LedgerState in
 *        100-op transactions (savepoint, checkValid, apply, commit), no signatures;
 *     b. Devnet.submit with pre-signed 100-op envelopes (decode, signatures,
 *        sequence, fees, apply, ledger close).
 *  2. path-finding latency (p50/p99) on a book of 1,000 assets and 10,000 offers;
 *  3. resident memory per 100,000 accounts.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Account, Asset, Keypair, Operation, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import { AUTHORIZED_FLAG, AccountId, AssetKey, INT64_MAX, NATIVE } from '../src/state/entries';
import { LedgerState } from '../src/state/ledger-state';
import { OpContext, OpFrame } from '../src/ops/types';
import { frame as payment } from '../src/ops/payment';
import { frame as strictSend } from '../src/ops/path-payment-strict-send';
import { frame as manageSell } from '../src/ops/manage-sell-offer';
import { findStrictReceivePaths, findStrictSendPaths } from '../src/paths';
import { Devnet } from '../src/network';

const XLM = 10_000_000n;
const BASE_RESERVE = 5_000_000n;

// ---- a ledger built directly ------------------------------------------------------

function newAccount(state: LedgerState, id: AccountId, balance: bigint): void {
  state.putAccount({
    accountId: id, balance, seqNum: 1n << 32n, seqLedger: 1, seqTime: 0n, numSubEntries: 0, inflationDest: null,
    flags: 0, homeDomain: '', thresholds: [1, 0, 0, 0], signers: [], buyingLiabilities: 0n, sellingLiabilities: 0n,
    numSponsored: 0, numSponsoring: 0, sponsor: null,
  });
}

function trust(state: LedgerState, id: AccountId, asset: AssetKey, balance: bigint): void {
  const acc = state.getAccount(id)!;
  state.putAccount({ ...acc, numSubEntries: acc.numSubEntries + 1 });
  state.putTrustLine({
    accountId: id, asset, balance, limit: INT64_MAX, flags: AUTHORIZED_FLAG, buyingLiabilities: 0n,
    sellingLiabilities: 0n, sponsor: null,
  });
}

function ctxFor(state: LedgerState, sourceId: AccountId): OpContext {
  return {
    state, sourceId, txSourceId: sourceId, opIndex: 0, txHash: Buffer.alloc(32),
    header: { seq: 2, closeTime: 0n, baseFee: 100, baseReserve: BASE_RESERVE },
    effect: () => undefined, trade: () => undefined,
  };
}

function assetOf(key: AssetKey): Asset {
  if (key === NATIVE) return Asset.native();
  const [code, issuer] = key.split(':');
  return new Asset(code, issuer);
}

/** Ops round-tripped through XDR, as the engine receives them from an envelope. */
function decoded(op: xdr.Operation): xdr.Operation {
  return xdr.Operation.fromXDR(op.toXDR());
}

/** Apply `ops` in transactions of 100 ops; returns ops per second. */
function applyDirect<B>(state: LedgerState, frame: OpFrame<B>, ops: Array<{ source: AccountId; op: xdr.Operation }>): number {
  const start = performance.now();
  for (let i = 0; i < ops.length; i += 100) {
    const sp = state.savepoint();
    for (let j = i; j < Math.min(i + 100, ops.length); j++) {
      const ctx = ctxFor(state, ops[j].source);
      const body = ops[j].op.body().value() as unknown as B;
      const out = frame.checkValid(body, ctx) ?? frame.apply(body, ctx);
      if (out.code !== 'op_success') throw new Error(`bench op failed: ${out.code}`);
    }
    state.commit(sp);
  }
  return ops.length / ((performance.now() - start) / 1000);
}

function paymentsDirect(n: number): number {
  const state = new LedgerState();
  const ids = Array.from({ length: 1000 }, () => Keypair.random().publicKey());
  for (const id of ids) newAccount(state, id, 1_000_000n * XLM);
  const ops = Array.from({ length: n }, (_, i) => ({
    source: ids[i % ids.length],
    op: decoded(Operation.payment({ destination: ids[(i * 7 + 1) % ids.length], asset: Asset.native(), amount: '1' })),
  }));
  return applyDirect(state, payment, ops);
}

/** USD → XLM → EUR through two deep books, one offer crossed per hop. */
function pathBooks(state: LedgerState, payers: number): { usd: AssetKey; eur: AssetKey; payers: AccountId[]; dest: AccountId } {
  const issuer = Keypair.random().publicKey();
  newAccount(state, issuer, 1_000_000n * XLM);
  const usd = `USD:${issuer}`;
  const eur = `EUR:${issuer}`;
  const mm = Keypair.random().publicKey();
  newAccount(state, mm, 100_000_000n * XLM);
  trust(state, mm, usd, 0n);
  trust(state, mm, eur, 100_000_000n * XLM);
  const place = (selling: AssetKey, buying: AssetKey, price: { n: number; d: number }): void => {
    const op = decoded(Operation.manageSellOffer({ selling: assetOf(selling), buying: assetOf(buying), amount: '10000000', price }));
    const out = manageSell.apply(op.body().value() as xdr.ManageSellOfferOp, ctxFor(state, mm));
    if (out.code !== 'op_success') throw new Error(`bench offer failed: ${out.code}`);
  };
  place(NATIVE, usd, { n: 1, d: 2 });
  place(eur, NATIVE, { n: 2, d: 1 });
  const dest = Keypair.random().publicKey();
  newAccount(state, dest, 100n * XLM);
  trust(state, dest, eur, 0n);
  const ids = Array.from({ length: payers }, () => Keypair.random().publicKey());
  for (const id of ids) {
    newAccount(state, id, 100n * XLM);
    trust(state, id, usd, 1_000_000n * XLM);
  }
  return { usd, eur, payers: ids, dest };
}

function pathPaymentsDirect(n: number): number {
  const state = new LedgerState();
  const { usd, eur, payers, dest } = pathBooks(state, 1000);
  const ops = Array.from({ length: n }, (_, i) => ({
    source: payers[i % payers.length],
    op: decoded(Operation.pathPaymentStrictSend({
      sendAsset: assetOf(usd), sendAmount: '1', destination: dest, destAsset: assetOf(eur), destMin: '0.0000001',
      path: [Asset.native()],
    })),
  }));
  return applyDirect(state, strictSend, ops);
}

// ---- Devnet.submit: the whole engine, pre-signed envelopes ---------------------------

async function submitAll(net: Devnet, envelopes: string[]): Promise<void> {
  for (const e of envelopes) {
    const r = await net.submit(e);
    if (!r.ok) throw new Error(`bench submission failed: ${JSON.stringify(r)}`);
  }
}

function envelope(net: Devnet, source: Keypair, seq: bigint, ops: xdr.Operation[]): string {
  // The builder uses the account's sequence + 1.
  const b = new TransactionBuilder(new Account(source.publicKey(), (seq - 1n).toString()), {
    fee: '100', networkPassphrase: net.passphrase,
  }).setTimeout(0);
  for (const op of ops) b.addOperation(op);
  const tx = b.build();
  tx.sign(source);
  return tx.toEnvelope().toXDR('base64');
}

async function submitBench(n: number): Promise<{ payments: number; pathPayments: number }> {
  const net = await Devnet.open({ close: 'instant' });
  try {
    const root = net.rootKeypair();
    const senders = Array.from({ length: 20 }, () => Keypair.random());
    const issuer = Keypair.random();
    const mm = Keypair.random();
    const dest = Keypair.random();
    const usd = new Asset('USD', issuer.publicKey());
    const eur = new Asset('EUR', issuer.publicKey());
    // Sequence numbers of accounts created in ledger L are L << 32.
    const seqs = new Map<string, bigint>();
    const rootSeq = { v: 0n };
    const created = [...senders, issuer, mm, dest].map((k) => Operation.createAccount({ destination: k.publicKey(), startingBalance: '100000' }));
    // Sequence numbers are read from the engine's state (the HTTP layer is not involved here).
    const state = (net as unknown as { state: LedgerState }).state;
    rootSeq.v = state.getAccount(root.publicKey())!.seqNum;
    await submitAll(net, [envelope(net, root, rootSeq.v + 1n, created)]);
    const seqOf = (k: Keypair): bigint => {
      const s = seqs.get(k.publicKey()) ?? state.getAccount(k.publicKey())!.seqNum;
      seqs.set(k.publicKey(), s + 1n);
      return s + 1n;
    };
    const setup: string[] = [];
    setup.push(envelope(net, mm, seqOf(mm), [Operation.changeTrust({ asset: usd }), Operation.changeTrust({ asset: eur })]));
    setup.push(envelope(net, dest, seqOf(dest), [Operation.changeTrust({ asset: eur })]));
    for (const s of senders) setup.push(envelope(net, s, seqOf(s), [Operation.changeTrust({ asset: usd })]));
    await submitAll(net, setup);
    await submitAll(net, [envelope(net, issuer, seqOf(issuer), [
      Operation.payment({ destination: mm.publicKey(), asset: eur, amount: '1000000' }),
      ...senders.map((s) => Operation.payment({ destination: s.publicKey(), asset: usd, amount: '1000000' })),
    ])]);
    await submitAll(net, [envelope(net, mm, seqOf(mm), [
      Operation.manageSellOffer({ selling: Asset.native(), buying: usd, amount: '50000', price: { n: 1, d: 2 } }),
      Operation.manageSellOffer({ selling: eur, buying: Asset.native(), amount: '500000', price: { n: 2, d: 1 } }),
    ])]);

    const batch = (make: (s: Keypair, i: number) => xdr.Operation): string[] => {
      const out: string[] = [];
      for (let t = 0; t < n / 100; t++) {
        const s = senders[t % senders.length];
        out.push(envelope(net, s, seqOf(s), Array.from({ length: 100 }, (_, i) => make(s, i))));
      }
      return out;
    };
    const pays = batch((_s, i) => Operation.payment({ destination: senders[i % senders.length].publicKey(), asset: Asset.native(), amount: '0.001' }));
    let t0 = performance.now();
    await submitAll(net, pays);
    const payments = n / ((performance.now() - t0) / 1000);
    const paths = batch(() => Operation.pathPaymentStrictSend({
      sendAsset: usd, sendAmount: '0.001', destination: dest.publicKey(), destAsset: eur, destMin: '0.0000001', path: [Asset.native()],
    }));
    t0 = performance.now();
    await submitAll(net, paths);
    const pathPayments = n / ((performance.now() - t0) / 1000);
    return { payments, pathPayments };
  } finally {
    await net.close();
  }
}

// ---- path finding ------------------------------------------------------------------------

function bigBook(): { state: LedgerState; assets: AssetKey[] } {
  const state = new LedgerState();
  const issuer = Keypair.random().publicKey();
  const makers = Array.from({ length: 50 }, () => Keypair.random().publicKey());
  for (const m of makers) newAccount(state, m, 1_000_000n * XLM);
  const assets: AssetKey[] = [NATIVE];
  for (let i = 1; i < 1000; i++) assets.push(`A${i}:${issuer}`);
  let seed = 42;
  const rnd = (k: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % k;
  };
  const put = (selling: AssetKey, buying: AssetKey): void => {
    state.putOffer({
      sellerId: makers[rnd(makers.length)], offerId: state.nextOfferId(), selling, buying,
      amount: BigInt(1 + rnd(1000)) * XLM, price: { n: 1 + rnd(100), d: 1 + rnd(100) }, flags: 0, sponsor: null,
    });
  };
  // every asset trades against XLM both ways (2,000 offers), and 8,000 offers between random pairs
  for (let i = 1; i < 1000; i++) {
    put(assets[i], NATIVE);
    put(NATIVE, assets[i]);
  }
  while ([...state.allOffers()].length < 10_000) {
    const a = assets[1 + rnd(999)];
    const b = assets[1 + rnd(999)];
    if (a !== b) put(a, b);
  }
  return { state, assets };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function pathFinding(queries: number): { p50: number; p99: number; rebuild: number; found: number } {
  const { state, assets } = bigBook();
  let seed = 7;
  const rnd = (k: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % k;
  };
  let t = performance.now();
  findStrictSendPaths(state, { sourceAsset: NATIVE, sourceAmount: XLM, destinationAssets: [assets[1]] });
  const rebuild = performance.now() - t;
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < queries; i++) {
    const a = assets[rnd(1000)];
    const dests = [assets[rnd(1000)], assets[rnd(1000)], assets[rnd(1000)]];
    t = performance.now();
    const r = i % 2 === 0
      ? findStrictSendPaths(state, { sourceAsset: a, sourceAmount: BigInt(1 + rnd(100)) * XLM, destinationAssets: dests })
      : findStrictReceivePaths(state, { sourceAssets: dests, destinationAsset: a, destinationAmount: BigInt(1 + rnd(100)) * XLM });
    times.push(performance.now() - t);
    found += r.length;
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), rebuild, found };
}

// ---- memory --------------------------------------------------------------------------------

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function memoryPerAccount(n: number): { perAccount: number; heapPerAccount: number } {
  const gc = exposeGc();
  // Keys made first, so key generation garbage is not counted.
  const ids = Array.from({ length: n }, () => Keypair.random().publicKey());
  gc();
  const before = process.memoryUsage();
  const state = new LedgerState();
  for (let i = 0; i < n; i++) {
    newAccount(state, ids[i], 100n * XLM);
    // The engine takes the durable-log changes at every ledger close.
    if (i % 1000 === 999) state.takeChanges();
  }
  state.takeChanges();
  gc();
  const after = process.memoryUsage();
  if (state.accountCount() !== n) throw new Error('accounts missing');
  return { perAccount: (after.rss - before.rss) / n, heapPerAccount: (after.heapUsed - before.heapUsed) / n };
}

// ---- main -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
  console.log('devnet benchmark (in process, this machine)\n');

  const mem = memoryPerAccount(100_000);
  console.log(`memory: ${fmt(mem.perAccount)} B resident per account (100,000 accounts in a LedgerState; heap ${fmt(mem.heapPerAccount)} B/account)  target ≤ 2,048`);

  paymentsDirect(5_000); // warm-up
  console.log(`payments, direct op application (100-op txs, savepoints, no signatures): ${fmt(paymentsDirect(50_000))}/s  target ≥ 20,000`);
  pathPaymentsDirect(2_000);
  console.log(`two-hop path payments (strict send USD→XLM→EUR), direct op application: ${fmt(pathPaymentsDirect(20_000))}/s  target ≥ 5,000`);

  const pf = pathFinding(2_000);
  console.log(`path finding, 1,000 assets / 10,000 offers (default 3 hops, 3 end assets): p50 ${pf.p50.toFixed(3)} ms, p99 ${pf.p99.toFixed(3)} ms  target p99 ≤ 5 ms`);
  console.log(`  (first query after a book change rebuilds the graph: ${pf.rebuild.toFixed(1)} ms; ${pf.found} paths found in all)`);

  const sub = await submitBench(20_000);
  console.log(`\nDevnet.submit, pre-signed 100-op envelopes, instant close (decode, signatures, seq, fees, apply, close):`);
  console.log(`  payments: ${fmt(sub.payments)}/s   two-hop path payments: ${fmt(sub.pathPayments)}/s`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
