/**
 * npm run bench, netting part (BENCH_ONLY=netting):
 *
 *  1. The engine on a synthetic network: BENCH_NETTING_COMMUNITIES (100) communities, each
 *     granting credit lines to 5 others, and BENCH_NETTING_PAYMENTS (10,000) random
 *     payments along the lines, positions kept as the ledger keeps them (a payment back
 *     first returns what the payee's trader holds). Share of gross positions cleared,
 *     compute time, legs, transactions and operations the run would take.
 *  2. On the devnet, through the core: BENCH_NETTING_LEDGER_COMMUNITIES (12) hosted
 *     communities, each accepting 3 others' HOUR, BENCH_NETTING_LEDGER_PAYMENTS (600) real
 *     payments, then one run: what it cleared, how many transactions, the time to settle,
 *     and that the previewed amounts are what left the ledger.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { Position, cyclesOf, largestClearing } from '../src/core/netting/engine';
import { LEGS_PER_TRANSACTION } from '../src/core/netting/service';
import { formatAmount } from '../src/core/amounts';
import { isTransferError } from '../src/core/transfers/errors';
import { startTestCore, units } from '../test/helpers/core';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
};
const log = (s: string) => process.stdout.write(`${s}\n`);
const pctOf = (a: bigint, b: bigint) => (b === 0n ? '0' : (Number((a * 10000n) / b) / 100).toFixed(1));

/** A small deterministic generator, so runs compare. */
function rng(seed: number) {
  let s = seed;
  return (n: number) => { s = (s * 1103515245 + 12345) % 2147483648; return s % n; };
}

function synthetic(): void {
  const N = env('BENCH_NETTING_COMMUNITIES', 100);
  const P = env('BENCH_NETTING_PAYMENTS', 10_000);
  const rand = rng(42);
  const names = Array.from({ length: N }, (_, i) => `C${i}`);
  // lines.get(truster) = peers whose HOUR it accepts (it may be paid by them), up to a limit.
  const limit = units('1000');
  const accepts = new Map(names.map((c) => [c, new Set<string>()]));
  for (const c of names) while (accepts.get(c)!.size < 5) { const p = names[rand(N)]; if (p !== c) accepts.get(c)!.add(p); }
  const held = new Map<string, bigint>(); // `${debtor}>${creditor}`: creditor's trader holds debtor's HOUR
  const get = (d: string, c: string) => held.get(`${d}>${c}`) ?? 0n;
  let paid = 0;
  for (let i = 0; i < P; i++) {
    const payee = names[rand(N)];
    const payers = [...accepts.get(payee)!];
    const payer = payers[rand(payers.length)];
    const amount = units(String(1 + rand(50)));
    // The book first sells back what the payer holds of the payee's HOUR, then uses the payee's line.
    const back = get(payee, payer) < amount ? get(payee, payer) : amount;
    const rest = amount - back;
    if (get(payer, payee) + rest > limit) continue;
    held.set(`${payee}>${payer}`, get(payee, payer) - back);
    held.set(`${payer}>${payee}`, get(payer, payee) + rest);
    paid++;
  }
  const positions: Position[] = [...held].filter(([, v]) => v > 0n).map(([k, amount]) => {
    const [debtor, creditor] = k.split('>');
    return { debtor, creditor, amount };
  });
  const gross = positions.reduce((s, p) => s + p.amount, 0n);
  const t0 = performance.now();
  const r = largestClearing({ positions });
  const ms = performance.now() - t0;
  const t1 = performance.now();
  const cycles = cyclesOf(r.cleared);
  const cyclesMs = performance.now() - t1;
  let txs = 0;
  let legs = 0;
  for (const c of cycles) { if (legs === 0 || legs + c.length > LEGS_PER_TRANSACTION) { txs++; legs = 0; } legs += c.length; }
  const legCount = cycles.reduce((s, c) => s + c.length, 0);
  log(`Netting benchmark — engine, synthetic network: ${N} communities, 5 credit lines granted each (limit 1000 HOUR), ${paid} of ${P} random payments fit their lines`);
  log(`  positions: ${positions.length}, gross ${formatAmount(gross)} HOUR`);
  log(`  cleared: ${formatAmount(r.total)} HOUR = ${pctOf(r.total, gross)} % of gross positions`);
  log(`  compute: largest clearing ${ms.toFixed(1)} ms, cycles ${cyclesMs.toFixed(1)} ms (${cycles.length} cycles, ${legCount} legs)`);
  log(`  on the ledger: ${txs} transactions of ≤ ${LEGS_PER_TRANSACTION} legs, ≤ ${legCount * 5} operations`);
}

async function onLedger(): Promise<void> {
  const N = env('BENCH_NETTING_LEDGER_COMMUNITIES', 12);
  const P = env('BENCH_NETTING_LEDGER_PAYMENTS', 600);
  const core = await startTestCore();
  try {
    const rand = rng(7);
    const t0 = performance.now();
    const cs = [];
    for (let i = 0; i < N; i++) cs.push(await core.community(`NB${i.toString(36).toUpperCase().padStart(2, '0')}`, { settings: { traderMaxBalance: '1000000', traderCredit: '100000' } }));
    // Each community accepts the HOUR of 3 others at random, as in part 1.
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < N; i++) {
      const mine = new Set<number>();
      while (mine.size < 3) { const p = rand(N); if (p !== i) mine.add(p); }
      for (const p of mine) pairs.push([i, p]);
    }
    for (const [t, p] of pairs) await core.creditLines.set(cs[t], cs[p], '100000', 'bench');
    const members = await Promise.all(cs.map((c) => core.member(c, '100000', '100000')));
    for (const c of cs) await core.netting.setSettings(c, { optedIn: true, cap: null }, 'bench');
    log(`\n  devnet: ${N} communities, ${pairs.length} credit lines, set up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const t1 = performance.now();
    let ok = 0;
    await Promise.all(Array.from({ length: 20 }, async (_, w) => {
      for (let i = w; i < P; i += 20) {
        const [truster, peer] = pairs[rand(pairs.length)];
        const t = await core.transfers.settle({ idempotencyKey: `bench|netting|${randomUUID()}`, payer: members[peer], payee: members[truster], amount: units(String(1 + rand(20))) });
        if (!isTransferError(t) && t.state === 'settled') ok++;
      }
    }));
    await core.rebalancer.idle();
    log(`  ${ok} of ${P} payments settled in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    const p = await core.netting.preview();
    const t2 = performance.now();
    const run = await core.netting.run('bench');
    const settleMs = performance.now() - t2;
    log(`  preview: gross ${formatAmount(p.gross)} HOUR, clearable ${formatAmount(p.cleared)} (${pctOf(p.cleared, p.gross)} %)`);
    log(`  run: ${run.state}, cleared ${formatAmount(run.cleared)} HOUR in ${run.hashes.length} transaction(s), ${settleMs.toFixed(0)} ms to settle${run.error ? ` — ${run.error}` : ''}`);
    const after = await core.netting.preview();
    log(`  positions on the ledger after: gross ${formatAmount(after.gross)} HOUR (expected ${formatAmount(p.gross - p.cleared)}), clearable ${formatAmount(after.cleared)}`);
  } finally {
    await core.close();
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only && only !== 'netting') return;
  synthetic();
  await onLedger();
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
