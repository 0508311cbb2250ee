/**
 * CXP end to end: really=true try transactions from an exchange's Hawk client to the
 * hub over HTTP — Hawk check and nonce, validation, the transfer (database, devnet path
 * payment) and the relay, Hawk-signed, to the receiving exchange's server, whose
 * Server-Authorization is verified — answered OK once the remote has it.
 *
 *  1. sustained (closed loop): BENCH_CXP_CONCURRENCY tries in flight for
 *     BENCH_CXP_SECONDS: throughput, p50/p99 latency;
 *  2. fixed rate (open loop): BENCH_CXP_RATE tries a second (100) for
 *     BENCH_CXP_RATE_SECONDS, each sent at its time whether or not earlier ones are
 *     answered: p50/p99/max latency.
 *
 * Three processes, as deployed: the hub (this one, with its embedded database or a
 * fresh database on DATABASE_URL), the devnet with instant ledgers (the network), and
 * the exchanges (A's client and B's server, bench/cxp-exchanges.ts). Removed at the end.
 *
 *   npx tsx bench/cxp.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/cxp.ts
 */
import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startGovernanceHub, token } from '../test/governance/api';
import { approveExchange } from '../test/protocols/cxp/helpers';
import { STANDALONE, spawnDevnet } from '../test/fixtures/hub-core';
import type { ExchangesCommand, ExchangesReply } from './cxp-exchanges';
import { tally } from './load';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
};
const CONCURRENCY = env('BENCH_CXP_CONCURRENCY', 100);
const SECONDS = env('BENCH_CXP_SECONDS', 15);
const RATE = env('BENCH_CXP_RATE', 100);
const RATE_SECONDS = env('BENCH_CXP_RATE_SECONDS', 10);
const WARMUP = 500;

const log = (s: string) => process.stdout.write(`${s}\n`);
export const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
export const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The exchanges' process, and a way to ask it something and wait for its answer. */
export function exchanges(): { child: ChildProcess; ask(c: ExchangesCommand): Promise<ExchangesReply>; tell(c: ExchangesCommand): void } {
  // Same loader as this process (tsx), without a profiler flag meant for the hub.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--cpu-prof'));
  const child = fork(path.join(__dirname, 'cxp-exchanges.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return {
    child,
    tell: (c) => child.send(c),
    ask: (c) => new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the exchanges' process exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m: ExchangesReply) => {
        child.off('exit', onExit);
        resolve(m);
      });
      child.send(c);
    }),
  };
}

/** CPU time (ms) a process has used so far, from /proc (Linux); null elsewhere. */
export function cpuMs(pid: number): number | null {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return null;
  }
}

/** CPU time (ms) of every process named `comm` on this machine (the PostgreSQL server's, shared with anything else using it). */
export function cpuMsOf(comm: string): number | null {
  try {
    let sum = 0;
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm) sum += cpuMs(Number(pid)) ?? 0;
      } catch {
        // gone meanwhile
      }
    }
    return sum;
  } catch {
    return null;
  }
}

const LAG_RESOLUTION_MS = 10;

/**
 * How busy each process was over a phase, in % of one core and in CPU ms per transfer
 * (steadier than throughput on a shared machine), and how late the hub's event loop
 * ran: where the time goes.
 */
export function cpuMeter(procs: Record<string, () => number | null>): (transfers: number) => string {
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  lag.enable();
  const t0 = performance.now();
  const before = Object.fromEntries(Object.entries(procs).map(([k, used]) => [k, used()]));
  return (transfers) => {
    const wall = performance.now() - t0;
    lag.disable();
    // The histogram holds the timer's whole interval: what is late is the part beyond it.
    const late = (p: number) => Math.max(0, lag.percentile(p) / 1e6 - LAG_RESOLUTION_MS);
    return Object.entries(procs).map(([k, used]) => {
      const a = before[k];
      const b = used();
      return a === null || b === null ? `${k} ?` : `${k} ${(((b - a) / wall) * 100).toFixed(0)}% (${((b - a) / Math.max(1, transfers)).toFixed(2)} ms/transfer)`;
    }).join(', ') + `; hub event loop delay p50 ${ms(late(50))}, p99 ${ms(late(99))}`;
  };
}

export async function benchCxp(): Promise<void> {
  const devnet = await spawnDevnet(['--close', 'instant']);
  const ex = exchanges();
  let h: Awaited<ReturnType<typeof startGovernanceHub>> | null = null;
  try {
    const admin = token();
    h = await startGovernanceHub({
      GOVERNANCE_TOKENS: `admin:${admin}`, LOG_LEVEL: 'silent',
      STELLAR_HORIZON_URL: devnet.url, STELLAR_NETWORK_PASSPHRASE: STANDALONE,
    }, admin);
    log(`CXP benchmark — ${os.availableParallelism()} cores, node ${process.version}; database: ${h.tdb.databaseUrl ? 'PostgreSQL server' : 'embedded PostgreSQL (PGlite, in the hub process)'}; devnet with instant ledgers, exchanges: own processes`);
    const SITE = 'bench-lets.example';
    const ready = await ex.ask({ type: 'start', hubUrl: h.hub.url, site: SITE });
    if (ready.type !== 'ready') throw new Error('the exchanges did not start');
    const A = await approveExchange(h, { code: 'BNCA', name: 'Bench A', uri: `http://${SITE}`, creditLimit: '10000000', maxBalance: '10000000' });
    const B = await approveExchange(h, { code: 'BNCB', name: 'Bench B', uri: ready.uri, creditLimit: '10000000', maxBalance: '10000000' });
    ex.tell({ type: 'creds', a: A.creds, b: B.creds });
    const line = await h.call('PUT', '/communities/BNCB/credit-lines/BNCA', { body: { limit: '10000000' } });
    if (line.status !== 200) throw new Error(`credit line: ${JSON.stringify(line.body)}`);
    const run = async (c: ExchangesCommand) => {
      const r = await ex.ask(c);
      if (r.type !== 'done') throw new Error('unexpected answer from the exchanges');
      return r;
    };

    // Warm-up: routes, keys, connections, the JIT.
    await run({ type: 'run', mode: 'count', concurrency: 50, count: WARMUP });
    await h.hub.rebalancer.idle();

    log('');
    log(`1. Sustained (closed loop): ${CONCURRENCY} tries in flight for ${SECONDS} s (each 0.01 HOUR, A → B, relayed to B's server)`);
    const procs: Record<string, () => number | null> = {
      hub: () => cpuMs(process.pid), devnet: () => cpuMs(devnet.child.pid!), exchanges: () => cpuMs(ex.child.pid!),
      ...(h.tdb.databaseUrl ? { 'postgres (all on this machine)': () => cpuMsOf('postgres') } : {}),
    };
    let cpu = cpuMeter(procs);
    const t0 = performance.now();
    const sustained = await run({ type: 'run', mode: 'closed', concurrency: CONCURRENCY, seconds: SECONDS });
    const elapsed = (performance.now() - t0) / 1000;
    const ok = sustained.results.filter((r) => r.ok);
    const lat = ok.map((r) => r.ms).sort((x, y) => x - y);
    log(`  ${ok.length} transfers paid and relayed in ${elapsed.toFixed(1)} s (not OK: ${tally(sustained.results, 'code')})`);
    log(`  throughput: ${(ok.length / elapsed).toFixed(0)} transfers/s   (target ≥ 500)`);
    log(`  latency: p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}`);
    log(`  CPU, % of one core: ${cpu(sustained.results.length)}`);
    log(`  relays written by B so far: ${sustained.written} (warm-up included; one per transfer)`);
    await h.hub.rebalancer.idle();

    log('');
    log(`2. Fixed rate (open loop): ${RATE} tries/s for ${RATE_SECONDS} s`);
    cpu = cpuMeter(procs);
    const t1 = performance.now();
    const paced = await run({ type: 'run', mode: 'open', rate: RATE, seconds: RATE_SECONDS });
    const lat2 = paced.results.filter((r) => r.ok).map((r) => r.ms).sort((x, y) => x - y);
    log(`  ${lat2.length}/${paced.results.length} OK (not OK: ${tally(paced.results, 'code')}); answered ${(paced.results.length / ((performance.now() - t1) / 1000)).toFixed(0)} tries/s`);
    log(`  latency: p50 ${ms(pct(lat2, 50))}, p99 ${ms(pct(lat2, 99))}, max ${ms(lat2[lat2.length - 1])}   (target p99 ≤ 100 ms)`);
    log(`  CPU, % of one core: ${cpu(paced.results.length)}`);
    log(`  relays written by B in all: ${paced.written}`);
  } finally {
    await ex.ask({ type: 'stop' }).catch(() => undefined);
    await h?.close();
    await devnet.close();
  }
}

if (require.main === module) {
  benchCxp().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
