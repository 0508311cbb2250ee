/**
 * Clearing Central end to end: bills forwarded to the hub's data_url as Clearing
 * Central sends them (form POST) — caller and path checks, parsing, the chain lookup,
 * the transfer (database, devnet path payment buyer → CES exchange's mirror) — answered
 * `response=1` once paid.
 *
 *  1. sustained (closed loop): BENCH_CC_CONCURRENCY forwards in flight (100) for
 *     BENCH_CC_SECONDS: throughput, p50/p99 latency;
 *  2. fixed rate (open loop): BENCH_CC_RATE forwards a second (100) for
 *     BENCH_CC_RATE_SECONDS: p50/p99/max latency.
 *
 * Three processes: the hub (this one, embedded database or a fresh one on DATABASE_URL),
 * the devnet with instant ledgers, and Clearing Central (bench/clearing-central-forwarder.ts).
 *
 *   BENCH_ONLY=clearing-central npm run bench
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_ONLY=clearing-central npm run bench
 */
import { ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startGovernanceHub, token } from '../test/governance/api';
import { STANDALONE, spawnDevnet } from '../test/fixtures/hub-core';
import { cpuMeter, cpuMs, cpuMsOf, ms, pct } from './cxp';
import type { ForwarderCommand, ForwarderReply } from './clearing-central-forwarder';
import { tally } from './load';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
};
const CONCURRENCY = env('BENCH_CC_CONCURRENCY', 100);
const SECONDS = env('BENCH_CC_SECONDS', 15);
const RATE = env('BENCH_CC_RATE', 100);
const RATE_SECONDS = env('BENCH_CC_RATE_SECONDS', 10);
const WARMUP = 500;

const log = (s: string) => process.stdout.write(`${s}\n`);

function forwarder(): { child: ChildProcess; ask(c: ForwarderCommand): Promise<ForwarderReply> } {
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--cpu-prof'));
  const child = fork(path.join(__dirname, 'clearing-central-forwarder.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return {
    child,
    ask: (c) => new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the forwarder's process exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m: ForwarderReply) => {
        child.off('exit', onExit);
        resolve(m);
      });
      child.send(c);
    }),
  };
}

export async function benchClearingCentral(): Promise<void> {
  const devnet = await spawnDevnet(['--close', 'instant']);
  const cc = forwarder();
  let h: Awaited<ReturnType<typeof startGovernanceHub>> | null = null;
  try {
    const admin = token();
    h = await startGovernanceHub({
      GOVERNANCE_TOKENS: `admin:${admin}`, LOG_LEVEL: 'silent',
      STELLAR_HORIZON_URL: devnet.url, STELLAR_NETWORK_PASSPHRASE: STANDALONE,
    }, admin);
    log(`Clearing Central benchmark — ${os.availableParallelism()} cores, node ${process.version}; database: ${h.tdb.databaseUrl ? 'PostgreSQL server' : 'embedded PostgreSQL (PGlite, in the hub process)'}; devnet with instant ledgers, Clearing Central: own process`);
    const must = async (method: string, p: string, body: unknown, status: number) => {
      const r = await h!.call(method, p, { body });
      if (r.status !== status) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await must('POST', '/communities', { code: 'BNCH', name: 'Bench time bank', kind: 'hosted', rate: { n: 1, d: 1 } }, 201);
    await must('POST', '/communities/BNCH/accounts', { code: 'BNCH0001', creditLimit: '10000', maxBalance: '10000' }, 201);
    const conn = await must('POST', '/clearing-central/connections', { community: 'BNCH', baseUrl: 'http://127.0.0.1:9', nid: 'cen0001', password: 'bench', ips: ['127.0.0.0/8', '::1'] }, 201);
    await must('POST', '/clearing-central/exchanges', { code: 'BCES', nid: 'cen0042', name: 'Bench CES', country: 'ZA', convRate: '10', creditLimit: '1000000', maxBalance: '1000000' }, 201);
    await must('PUT', '/communities/BCES/credit-lines/BNCH', { limit: '10000000' }, 200);
    const ready = await cc.ask({ type: 'start', dataUrl: conn.dataUrl, buyerNid: 'cen0001', sellerNid: 'cen0042', buyerId: 'BNCH0001' });
    if (ready.type !== 'ready') throw new Error('the forwarder did not start');
    const run = async (c: ForwarderCommand) => {
      const r = await cc.ask(c);
      if (r.type !== 'done') throw new Error('unexpected answer from the forwarder');
      return r.results;
    };

    await run({ type: 'run', mode: 'count', concurrency: 50, count: WARMUP });
    await h.hub.rebalancer.idle();

    const procs: Record<string, () => number | null> = {
      hub: () => cpuMs(process.pid), devnet: () => cpuMs(devnet.child.pid!), 'clearing central': () => cpuMs(cc.child.pid!),
      ...(h.tdb.databaseUrl ? { 'postgres (all on this machine)': () => cpuMsOf('postgres') } : {}),
    };
    log('');
    log(`1. Sustained (closed loop): ${CONCURRENCY} forwarded bills in flight for ${SECONDS} s (each 0.01 BNCH, BNCH0001 → BCES's import-export account)`);
    let cpu = cpuMeter(procs);
    const t0 = performance.now();
    const sustained = await run({ type: 'run', mode: 'closed', concurrency: CONCURRENCY, seconds: SECONDS });
    const elapsed = (performance.now() - t0) / 1000;
    const ok = sustained.filter((r) => r.ok);
    const lat = ok.map((r) => r.ms).sort((x, y) => x - y);
    log(`  ${ok.length} bills settled in ${elapsed.toFixed(1)} s (not 1: ${tally(sustained, 'response')})`);
    log(`  throughput: ${(ok.length / elapsed).toFixed(0)} bills/s   (target ≥ 500)`);
    log(`  latency: p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}`);
    log(`  CPU, % of one core: ${cpu(sustained.length)}`);
    await h.hub.rebalancer.idle();

    log('');
    log(`2. Fixed rate (open loop): ${RATE} forwarded bills/s for ${RATE_SECONDS} s`);
    cpu = cpuMeter(procs);
    const t1 = performance.now();
    const paced = await run({ type: 'run', mode: 'open', rate: RATE, seconds: RATE_SECONDS });
    const lat2 = paced.filter((r) => r.ok).map((r) => r.ms).sort((x, y) => x - y);
    log(`  ${lat2.length}/${paced.length} answered 1 (not 1: ${tally(paced, 'response')}); answered ${(paced.length / ((performance.now() - t1) / 1000)).toFixed(0)} bills/s`);
    log(`  latency: p50 ${ms(pct(lat2, 50))}, p99 ${ms(pct(lat2, 99))}, max ${ms(lat2[lat2.length - 1])}   (target p99 ≤ 100 ms)`);
    log(`  CPU, % of one core: ${cpu(paced.length)}`);
  } finally {
    await cc.ask({ type: 'stop' }).catch(() => undefined);
    await h?.close();
    await devnet.close();
  }
}

if (require.main === module) {
  benchClearingCentral().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
