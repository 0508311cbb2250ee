/**
 * npm run bench — the hub's settlement throughput, end to end.
 *
 *  1. Instant ledgers: cross-community transfers per second through the core and the
 *     ledger — core.transfers.settle (idempotency row, quote from Horizon's path
 *     endpoint, envelope recorded before submission, submission engine with fee bumps,
 *     settled row), the real Stellar adapter, and the devnet over HTTP in its own
 *     process — at a sustained concurrency, with p50/p99 latency of each settle().
 *  2. Timed ledgers (one every 5000 ms, at most 1000 operations each): the fraction of
 *     ledger capacity the hub fills under a backlog, beside the baseline of one
 *     single-operation transaction per source account per ledger.
 *
 * The devnet of part 1 keeps its ledger in a temporary directory and is restarted in
 * timed mode on it for part 2, so part 2 needs no minute-long provisioning at 5 s per
 * ledger. Runs on the embedded database (a temporary DATA_DIR), or on a fresh database
 * of the server named by DATABASE_URL. Everything it creates is removed at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { Horizon } from '@stellar/stellar-sdk';
import { loadConfig } from '../src/config';
import { Community } from '../src/core/communities/model';
import { isTransferError } from '../src/core/transfers/errors';
import { Party } from '../src/core/transfers/service';
import { units } from '../test/helpers/core';
import { TEST_MASTER_KEY, TestDatabase, createTestDatabase, tempDir } from '../test/helpers/db';
import { DevnetProcess, HubCore, openHubCore, spawnDevnet } from '../test/fixtures/hub-core';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
};
/** Knobs for exploring; the defaults are what the figures are quoted at. */
const CONCURRENCY = env('BENCH_CONCURRENCY', 200);
const INSTANT_SECONDS = env('BENCH_SECONDS', 20);
const WARMUP = 400;
const BACKLOG_IN_FLIGHT = env('BENCH_BACKLOG', 3000);
const LEDGER_MS = 5000;
const LEDGER_CAP = 1000;
const MEASURED_LEDGERS = env('BENCH_LEDGERS', 6);
/** A file to write a CPU profile of the measured instant run to (this process only). */
const PROFILE = process.env.BENCH_PROFILE;
const PAYERS = 40;
const PAYEES = 40;

let tdbEmbedded = true;
const log = (s: string) => process.stdout.write(`${s}\n`);
const ms = (x: number) => `${x.toFixed(1)} ms`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface World {
  A: Community;
  B: Community;
  payers: Party[];
  payees: Party[];
}

/** Two communities, B accepting plenty of A's HOUR, payers in A and payees in B. */
async function provision(core: HubCore): Promise<World> {
  // A's trader takes in what A's members pay out, B's pays B's members: both sized for
  // the whole run, so only the ledger and the hub bound the throughput.
  const A = await core.community('BNA1', { settings: { traderMaxBalance: '10000000' } });
  const B = await core.community('BNB1', { settings: { creditBalance: '10000000', traderCredit: '1000000', traderMaxBalance: '10000000' } });
  const line = await core.creditLines.set(B, A, '10000000', 'bench');
  if (typeof line === 'string') throw new Error(`credit line: ${line}`);
  const payers: Party[] = [];
  for (let i = 0; i < PAYERS; i++) payers.push(await core.member(A, '10000', '10000'));
  const payees: Party[] = [];
  for (let i = 0; i < PAYEES; i++) payees.push(await core.member(B, '0', '1000000'));
  return { A, B, payers, payees };
}

interface RunResult {
  settled: number;
  other: Map<string, number>;
  latencies: number[];
  seconds: number;
}

/**
 * Keep `inFlight` settle() calls running until `stop()` says so (or `total` have been
 * started), each a 1-unit A → B transfer with a fresh idempotency key.
 */
async function drive(core: HubCore, w: World, opts: { inFlight: number; total?: number; stop?: () => boolean; tag: string }): Promise<RunResult> {
  let started = 0;
  let settled = 0;
  const other = new Map<string, number>();
  const latencies: number[] = [];
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      if (opts.total !== undefined && started >= opts.total) return;
      if (opts.stop?.()) return;
      const i = started++;
      const s = performance.now();
      const t = await core.transfers.settle({
        idempotencyKey: `bench|${opts.tag}|${i}`, payer: w.payers[i % w.payers.length], payee: w.payees[i % w.payees.length],
        amount: units('1'),
      });
      latencies.push(performance.now() - s);
      const state = isTransferError(t) ? t : t.state === 'settled' ? 'settled' : `${t.state}:${t.errorCode ?? ''}`;
      if (state === 'settled') settled++;
      else other.set(state, (other.get(state) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: opts.inFlight }, worker));
  return { settled, other, latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - t0) / 1000 };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

async function instant(core: HubCore, w: World, devnetPid: number): Promise<void> {
  await drive(core, w, { inFlight: CONCURRENCY, total: WARMUP, tag: 'warmup' });
  await core.rebalancer.idle();
  const session = PROFILE ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpu0 = { hub: cpuSeconds(process.pid), devnet: cpuSeconds(devnetPid) };
  const deadline = performance.now() + INSTANT_SECONDS * 1000;
  const r = await drive(core, w, { inFlight: CONCURRENCY, stop: () => performance.now() > deadline, tag: 'instant' });
  if (session && PROFILE) {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(PROFILE, JSON.stringify(profile));
    session.disconnect();
    log(`  CPU profile of this process during the run: ${PROFILE}`);
  }
  const cpu = { hub: cpuSeconds(process.pid) - cpu0.hub, devnet: cpuSeconds(devnetPid) - cpu0.devnet };
  const failed = [...r.other].map(([k, v]) => `${k} ×${v}`).join(', ') || 'none';
  log(`  ${r.settled} transfers settled in ${r.seconds.toFixed(1)} s at ${CONCURRENCY} in flight (not settled: ${failed})`);
  log(`  throughput: ${(r.settled / r.seconds).toFixed(0)} transfers/s   (target ≥ 1,000)`);
  log(`  latency per transfer: p50 ${ms(percentile(r.latencies, 50))}, p99 ${ms(percentile(r.latencies, 99))}, max ${ms(r.latencies[r.latencies.length - 1])}`);
  const per = (s: number) => `${((1000 * s) / Math.max(r.settled, 1)).toFixed(2)} ms`;
  log(`  CPU used: hub process ${cpu.hub.toFixed(1)} s (${per(cpu.hub)} per transfer, database${tdbEmbedded ? ' included' : ' server not included'}), devnet process ${cpu.devnet.toFixed(1)} s (${per(cpu.devnet)} per transfer), over ${r.seconds.toFixed(1)} s on ${os.availableParallelism()} cores`);
}

async function backlog(core: HubCore, w: World, server: Horizon.Server, channels: number): Promise<void> {
  const startSeq = Number((await server.ledgers().order('desc').limit(1).call()).records[0].sequence);
  let stop = false;
  const running = drive(core, w, { inFlight: BACKLOG_IN_FLIGHT, stop: () => stop, tag: 'backlog' });
  // Skip the ledger in which the backlog forms (the first with the hub's operations,
  // sent before any queue existed), then measure the next ones.
  const rows: Array<{ seq: number; ops: number; txs: number; backlog: number }> = [];
  let seen = startSeq;
  let backlogAtClose = 0;
  const first = () => rows.findIndex((r) => r.ops > 0);
  while (first() < 0 || rows.length < first() + 1 + MEASURED_LEDGERS) {
    await new Promise((r) => setTimeout(r, 250));
    backlogAtClose = Math.max(backlogAtClose, core.ledger.backlog());
    const page = await server.ledgers().order('asc').cursor(String(BigInt(seen) << 32n)).limit(20).call();
    for (const l of page.records) {
      seen = Number(l.sequence);
      rows.push({ seq: seen, ops: l.operation_count, txs: l.successful_transaction_count, backlog: backlogAtClose });
      backlogAtClose = core.ledger.backlog();
    }
  }
  stop = true;
  const measured = rows.slice(first() + 1, first() + 1 + MEASURED_LEDGERS);
  for (const r of measured) {
    log(`  ledger ${r.seq}: ${r.ops} operations in ${r.txs} transactions (${(100 * r.ops / LEDGER_CAP).toFixed(1)} % of ${LEDGER_CAP}; jobs queued in the hub: ${r.backlog})`);
  }
  const ops = measured.reduce((n, r) => n + r.ops, 0);
  const fill = ops / (measured.length * LEDGER_CAP);
  log(`  hub under backlog: ${(ops / measured.length).toFixed(1)} operations per ledger = ${(100 * fill).toFixed(1)} % of capacity   (target ≥ 95 %)`);
  log(`  baseline, one single-operation transaction per source per ledger with ${channels} sources: ${channels} operations per ledger = ${(100 * channels / LEDGER_CAP).toFixed(1)} % of capacity`);
  log(`  draining the backlog …`);
  const r = await running;
  log(`  (${r.settled} transfers settled during part 2; not settled: ${[...r.other].map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'})`);
}

async function main(): Promise<void> {
  // BENCH_ONLY=cxp|komunitin|startup|workers runs only that part (bench/protocols.ts, bench/startup.ts, bench/workers.ts).
  if (process.env.BENCH_ONLY && process.env.BENCH_ONLY !== 'hub') return;
  const t0 = performance.now();
  const work = tempDir('intertrade-bench-');
  const ledgerDir = path.join(work, 'devnet');
  let tdb: TestDatabase | null = null;
  let devnet: DevnetProcess | null = null;
  let core: HubCore | null = null;
  try {
    tdb = await createTestDatabase();
    tdbEmbedded = !tdb.databaseUrl;
    const configured = loadConfig({ DATA_DIR: tdb.dataDir }).stellarChannels;
    const channels = env('BENCH_CHANNELS', configured);
    log(`Intertrade hub benchmark — ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`);
    log(`  database: ${tdb.databaseUrl ? `PostgreSQL server (fresh database on ${new URL(tdb.databaseUrl).host})` : 'embedded PostgreSQL (PGlite), in this process'}`);
    log(`  ledger:   the Stellar adapter with ${channels} channel accounts${channels === configured ? " (the hub's default)" : ` (BENCH_CHANNELS; the hub's default is ${configured})`}, fee bumps by the sponsor`);
    log(`  network:  the embedded devnet in its own process (\`intertrade devnet\`), over HTTP`);
    log(`  each transfer: 1 unit from a member of A to a member of B (${PAYERS} payers, ${PAYEES} payees), one path payment A → HOUR(A) → B,`);
    log(`  through core.transfers.settle: row insert, Horizon path quote, envelope recorded, submission, settled row`);

    devnet = await spawnDevnet(['--close', 'instant', '--data', ledgerDir]);
    const open = (url: string) => openHubCore({ horizonUrl: url, dataDir: tdb!.dataDir, databaseUrl: tdb!.databaseUrl, masterKey: TEST_MASTER_KEY, channels });
    core = await open(devnet.url);
    const w = await provision(core);

    log('');
    log(`1. Instant ledgers (one ledger per submission), ${INSTANT_SECONDS} s after ${WARMUP} warm-up transfers`);
    await instant(core, w, devnet.child.pid ?? 0);

    // Part 2 on the same ledger and database, the network restarted in timed mode.
    await core.close();
    core = null;
    await devnet.close();
    devnet = await spawnDevnet(['--close', String(LEDGER_MS), '--max-ops', String(LEDGER_CAP), '--data', ledgerDir]);
    core = await open(devnet.url);
    log('');
    log(`2. Timed ledgers: one every ${LEDGER_MS} ms, at most ${LEDGER_CAP} operations; ${BACKLOG_IN_FLIGHT} transfers kept in flight so a backlog forms`);
    await backlog(core, w, new Horizon.Server(devnet.url, { allowHttp: true }), channels);
  } finally {
    await core?.close().catch(() => undefined);
    await devnet?.close().catch(() => undefined);
    await tdb?.drop().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
  log('');
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
