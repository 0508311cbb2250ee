/**
 * npm run bench, workers part (BENCH_ONLY=workers): one hub process against
 * `intertrade start --workers 2`, side by side, under the same CXP load as bench/cxp.ts
 * (really=true try transactions, Hawk-signed, relayed to the receiving exchange), sent
 * over HTTP to the hub's one port, so the workers share it as deployed.
 *
 * Each run: a fresh database on the PostgreSQL server (DATABASE_URL; skipped without
 * one, the embedded database being one process's), `bin/intertrade.js start` as a child
 * process, the devnet with instant ledgers and the exchanges in processes of their own.
 * BENCH_WORKERS_CONCURRENCY tries in flight (100) for BENCH_WORKERS_SECONDS (15) after a
 * warm-up: transfers/s, latency, and CPU ms per transfer summed over every process of
 * the hub (the primary and its workers, from /proc), of the devnet and of PostgreSQL.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import { Client } from 'pg';
import { TEST_MASTER_KEY, createTestDatabase } from '../test/helpers/db';
import { runIntertrade } from '../test/helpers/process';
import { STANDALONE, spawnDevnet } from '../test/fixtures/hub-core';
import { cpuMs, cpuMsOf, exchanges, ms, pct } from './cxp';
import { tally } from './load';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
};
const CONCURRENCY = env('BENCH_WORKERS_CONCURRENCY', 100);
const SECONDS = env('BENCH_WORKERS_SECONDS', 15);
const WARMUP = 500;
const log = (s: string) => process.stdout.write(`${s}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Figures { split: string; workers: number; ok: number; tps: number; p50: number; p99: number; other: string; hubCpu: number; devnetCpu: number; pgCpu: number | null; processes: number }

async function one(workers: number, devnet: { url: string; pid: number }): Promise<Figures> {
  const tdb = await createTestDatabase();
  const ex = exchanges();
  const port = await freePort();
  const token = crypto.randomBytes(32).toString('base64url');
  const hub = runIntertrade(['start', ...(workers > 1 ? ['--workers', String(workers)] : [])], {
    DATA_DIR: tdb.dataDir, PORT: String(port), LOG_LEVEL: 'warn',
    DATABASE_URL: tdb.databaseUrl!, MASTER_KEY: TEST_MASTER_KEY, GOVERNANCE_TOKENS: `admin:${token}`,
    STELLAR_HORIZON_URL: devnet.url, STELLAR_NETWORK_PASSPHRASE: STANDALONE,
  });
  const pg = new Client({ connectionString: tdb.databaseUrl! });
  try {
    await hub.waitFor(workers > 1 ? /workers listening on/ : /listening on/, 120000);
    const url = `http://127.0.0.1:${port}`;
    await pg.connect();
    // Every process of the hub: the one started, and (with --workers) the workers it forked, as registered.
    const pids = [hub.child.pid!, ...(await pg.query<{ pid: number }>('select pid from hub_processes')).rows.map((r) => Number(r.pid))];
    const processes = new Set(pids).size;
    const hubCpu = () => [...new Set(pids)].reduce((sum, p) => sum + (cpuMs(p) ?? 0), 0);
    const each = () => [...new Set(pids)].map((p) => cpuMs(p) ?? 0);

    const call = async (method: string, path: string, opts: { body?: unknown } = {}) => {
      const res = await fetch(`${url}/governance/v1${path}`, {
        method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    const approve = async (body: Record<string, unknown>) => {
      const r = await call('POST', '/exchanges', { body });
      if (r.status !== 201) throw new Error(`exchange ${String(body.code)}: ${JSON.stringify(r.body)}`);
      return r.body.hawk;
    };
    const SITE = 'bench-lets.example';
    const ready = await ex.ask({ type: 'start', hubUrl: url, site: SITE });
    if (ready.type !== 'ready') throw new Error('the exchanges did not start');
    const a = await approve({ code: 'BNCA', name: 'Bench A', uri: `http://${SITE}`, creditLimit: '10000000', maxBalance: '10000000' });
    const b = await approve({ code: 'BNCB', name: 'Bench B', uri: ready.uri, creditLimit: '10000000', maxBalance: '10000000' });
    ex.tell({ type: 'creds', a, b });
    const line = await call('PUT', '/communities/BNCB/credit-lines/BNCA', { body: { limit: '10000000' } });
    if (line.status !== 200) throw new Error(`credit line: ${JSON.stringify(line.body)}`);
    const run = async (c: Parameters<typeof ex.ask>[0]) => {
      const r = await ex.ask(c);
      if (r.type !== 'done') throw new Error('unexpected answer from the exchanges');
      return r;
    };

    await run({ type: 'run', mode: 'count', concurrency: 50, count: WARMUP });
    const eachBefore = each();
    const before = { hub: hubCpu(), devnet: cpuMs(devnet.pid) ?? 0, pg: cpuMsOf('postgres') };
    const t0 = performance.now();
    const sustained = await run({ type: 'run', mode: 'closed', concurrency: CONCURRENCY, seconds: SECONDS });
    const elapsed = (performance.now() - t0) / 1000;
    const eachAfter = each();
    const after = { hub: hubCpu(), devnet: cpuMs(devnet.pid) ?? 0, pg: cpuMsOf('postgres') };
    const ok = sustained.results.filter((r) => r.ok);
    const lat = ok.map((r) => r.ms).sort((x, y) => x - y);
    const per = (x: number) => x / Math.max(1, sustained.results.length);
    // How the hub's CPU time fell among its processes: the workers' shares show the port dealt connections to both.
    const spent = eachAfter.map((x, i) => x - eachBefore[i]);
    const split = spent.map((x) => `${((100 * x) / Math.max(1, spent.reduce((a, y) => a + y, 0))).toFixed(0)} %`).join(' / ');
    return {
      split, workers, ok: ok.length, tps: ok.length / elapsed, p50: pct(lat, 50), p99: pct(lat, 99), other: tally(sustained.results, 'code'),
      hubCpu: per(after.hub - before.hub), devnetCpu: per(after.devnet - before.devnet),
      pgCpu: before.pg === null || after.pg === null ? null : per(after.pg - before.pg), processes,
    };
  } finally {
    await ex.ask({ type: 'stop' }).catch(() => undefined);
    hub.child.kill('SIGTERM');
    const code = await hub.exited;
    if (code !== 0) log(`  (the hub exited ${code} on SIGTERM: ${hub.output().slice(-500)})`);
    await pg.end().catch(() => undefined);
    await tdb.drop();
  }
}

export async function benchWorkers(): Promise<void> {
  const server = process.env.DATABASE_URL;
  log('');
  if (!server) {
    log('Workers benchmark skipped: it needs a PostgreSQL server (DATABASE_URL), several hub processes cannot share the embedded database');
    return;
  }
  log(`Workers benchmark — one hub process against \`intertrade start --workers 2\`; ${os.availableParallelism()} cores, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  log(`  CXP try transactions (0.01 HOUR, A → B, relayed to B's server), ${CONCURRENCY} in flight for ${SECONDS} s after ${WARMUP} warm-up, to the hub's one port`);
  log(`  database: a fresh database per run on ${new URL(server).host}; devnet with instant ledgers and exchanges in their own processes`);
  const devnet = await spawnDevnet(['--close', 'instant']);
  const rows: Figures[] = [];
  try {
    for (const workers of [1, 2]) rows.push(await one(workers, { url: devnet.url, pid: devnet.child.pid! }));
  } finally {
    await devnet.close();
  }
  log('');
  log(`  ${'hub'.padEnd(22)}${'transfers/s'.padEnd(13)}${'p50'.padEnd(11)}${'p99'.padEnd(11)}${'CPU ms per transfer: hub (all its processes)'.padEnd(46)}${'devnet'.padEnd(9)}postgres (all on this machine)`);
  for (const r of rows) {
    log(`  ${(r.workers > 1 ? `--workers ${r.workers} (${r.processes} procs)` : 'one process').padEnd(22)}${r.tps.toFixed(0).padEnd(13)}${ms(r.p50).padEnd(11)}${ms(r.p99).padEnd(11)}` +
      `${r.hubCpu.toFixed(2).padEnd(46)}${r.devnetCpu.toFixed(2).padEnd(9)}${r.pgCpu === null ? '?' : r.pgCpu.toFixed(2)}`);
    if (r.workers > 1) log(`    hub CPU by process (primary / workers): ${r.split}`);
    if (r.other !== 'none') log(`    not OK: ${r.other}`);
  }
}

if (require.main === module) {
  const only = process.env.BENCH_ONLY;
  if (only && only !== 'workers') process.exit(0);
  benchWorkers().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
