/**
 * Hub-to-hub external transfers over the Komunitin protocol on the devnet: two hub
 * processes (own databases, own ports) on one devnet process with instant ledgers.
 * Members of hub A pay members of hub B through A's governance API; each payment is
 * quoted, settled as one path payment, and notified to B, which loads the transaction
 * from the ledger, checks it and records it, before A answers. Reports, for each
 * concurrency level, transfers per second, p50/p99 latency of that whole round, and the
 * CPU time each process spent per transfer (the figure that moves least when the
 * machine is shared: throughput and latency follow whatever else is running).
 *
 *   npx tsx bench/komunitin.ts
 *   BENCH_CONCURRENCY=16,64 BENCH_SECONDS=15 (defaults); DATABASE_URL=… for PostgreSQL
 *   BENCH_PROFILE=/tmp/prof: both hubs write a CPU profile of each measured run there
 *   (scripts/cpu-profile-hook.js); `npx tsx scripts/profile-top.ts /tmp/prof/<file>` prints its top.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawnDevnet } from '../test/fixtures/hub-core';
import { hubProcess, HubProcess } from '../test/protocols/komunitin/hubs';
import { STANDALONE } from '../test/fixtures/hub-core';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
};
const SECONDS = env('BENCH_SECONDS', 15);
/** Concurrency levels, one measured run each: BENCH_CONCURRENCY=16,64. */
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '16,64').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const PAIRS = 16;
const log = (s: string) => process.stdout.write(`${s}\n`);

async function must(h: HubProcess, method: string, path: string, body?: unknown): Promise<any> {
  const r = await h.gov(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}\n${h.proc?.output().slice(-3000)}`);
  return r.body;
}

/** USER_HZ: the unit of /proc/<pid>/stat times, 100 on every Linux build that matters. */
const CLOCK_TICKS = 100;

/** CPU time (user + system) a process has used so far, ms; Linux only, else NaN. */
function cpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "(comm) ".
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
interface Run { count: number; seconds: number; p50: number; p99: number; failures: number; cpu: Record<string, number> }

/** `concurrency` members of A paying B's members back to back for SECONDS. */
async function measure(a: HubProcess, payees: string[], concurrency: number, processes: Record<string, number>): Promise<Run> {
  const latencies: number[] = [];
  let failures = 0;
  const cpu0 = Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, cpuMs(pid)]));
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let n = 0; performance.now() < end; n++) {
      const i = (w + n * concurrency) % PAIRS;
      const s = performance.now();
      const r = await a.gov('POST', '/communities/BKA1/komunitin/payments', { account: `P${i}`, to: payees[i], amount: '1' });
      if (r.status === 201 && r.body.state === 'committed') latencies.push(performance.now() - s);
      else if (failures++ < 3) log(`  failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((x, y) => x - y);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const cpu = Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, (cpuMs(pid) - cpu0[k]) / Math.max(1, latencies.length)]));
  return { count: latencies.length, seconds, p50: q(0.5), p99: q(0.99), failures, cpu };
}

export async function benchKomunitin(): Promise<void> {
  const devnet = await spawnDevnet(['--close', 'instant']);
  const hubs: HubProcess[] = [];
  try {
    const net = { url: devnet.url, passphrase: STANDALONE };
    const profile = process.env.BENCH_PROFILE;
    const extra = { STELLAR_CHANNELS: process.env.BENCH_CHANNELS ?? '10', LOG_LEVEL: 'error', ...(profile ? { NODE_OPTIONS: `--require ${path.resolve(__dirname, '../scripts/cpu-profile-hook.js')}`, CPU_PROFILE_DIR: profile } : {}) };
    const [a, b] = await Promise.all([hubProcess(net, crypto.randomBytes(32).toString('base64url'), extra), hubProcess(net, crypto.randomBytes(32).toString('base64url'), extra)]);
    hubs.push(a, b);
    // Trader capacity well beyond the run: B's trader pays incoming payments out of the
    // local currency it holds, A's takes outgoing ones in up to its maximum balance.
    const settings = { traderCredit: '100000', traderMaxBalance: '1000000' };
    await must(a, 'POST', '/communities', { code: 'BKA1', name: 'Bench A', kind: 'hosted', settings });
    await must(b, 'POST', '/communities', { code: 'BKB1', name: 'Bench B', kind: 'hosted', rate: { n: 1, d: 2 }, settings });
    const payees: string[] = [];
    for (let i = 0; i < PAIRS; i++) {
      await Promise.all([
        must(a, 'POST', '/communities/BKA1/accounts', { code: `P${i}`, creditLimit: '10000', maxBalance: '100000' }),
        must(b, 'POST', '/communities/BKB1/accounts', { code: `Q${i}`, creditLimit: '0', maxBalance: '10000000' }),
      ]);
    }
    for (let i = 0; i < PAIRS; i++) payees.push(`${b.url}/BKB1/accounts/Q${i}`);
    await must(b, 'POST', '/komunitin/peers', { url: `${a.url}/BKA1/currency` });
    await must(a, 'POST', '/komunitin/peers', { url: `${b.url}/BKB1/currency` });
    await must(b, 'PUT', '/communities/BKB1/credit-lines/BKA1', { limit: '10000000' });
    // Warm-up: resolve every payee once (cached afterwards, as Komunitin caches for 1 h).
    for (let i = 0; i < PAIRS; i++) await must(a, 'POST', '/communities/BKA1/komunitin/payments', { account: `P${i}`, to: payees[i], amount: '1' });

    const processes = { 'hub A': a.proc!.child.pid!, 'hub B': b.proc!.child.pid!, devnet: devnet.child.pid!, bench: process.pid };
    log(`Komunitin hub-to-hub: payments A → B for ${SECONDS} s at each concurrency (each: settle on the ledger + notify B, which verifies on the ledger and records)`);
    for (const concurrency of CONCURRENCY) {
      // Profiled (BENCH_PROFILE): the hook in each hub starts and stops on SIGUSR2.
      const hubPids = [a.proc!.child.pid!, b.proc!.child.pid!];
      if (profile) for (const pid of hubPids) process.kill(pid, 'SIGUSR2');
      const r = await measure(a, payees, concurrency, processes);
      if (profile) for (const pid of hubPids) process.kill(pid, 'SIGUSR2');
      log(`  ${String(concurrency).padStart(3)} concurrent: ${r.count} transfers in ${r.seconds.toFixed(1)} s: ${(r.count / r.seconds).toFixed(1)} transfers/s; `
        + `latency p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms; ${r.failures} failed`);
      log(`      CPU per transfer: ${Object.entries(r.cpu).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')}`);
    }
  } finally {
    await Promise.all(hubs.map((h) => h.close().catch(() => undefined)));
    await devnet.close().catch(() => undefined);
  }
}

if (require.main === module) {
  benchKomunitin().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
