/**
 * npm run bench, last part — how long the `intertrade` command takes to start, as an
 * operator runs it (`BENCH_ONLY=startup npm run bench` runs this part alone):
 *
 *  1. `intertrade --help`: the usage, the protocols' commands included;
 *  2. `intertrade community list`: a governance command, an HTTP client of a running hub;
 *  3. a restart: `intertrade start` on a DATA_DIR it has run on before (the database
 *     migrated, the hub's Stellar accounts made, the embedded devnet's ledger there),
 *     from the spawn to the first 200 of /readyz, polled every 20 ms; then SIGTERM.
 *
 * Each compiled — bin/intertrade.js running dist/, built first with `npm run build`'s
 * code — and from the sources through tsx (what the bin runs without a current build),
 * BENCH_STARTUP_RUNS times (5) after one unmeasured run: the median, and the range.
 * The hub uses the embedded database (PGlite, in its process) and the embedded devnet,
 * as `npm start`; with DATABASE_URL, a fresh database on that server. The restart's CPU
 * time (the hub's process, spawn to ready) moves least on a shared machine.
 */
import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildDist } from '../scripts/build';
import { TEST_MASTER_KEY, TestDatabase, createTestDatabase } from '../test/helpers/db';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
};
const RUNS = env('BENCH_STARTUP_RUNS', 5);
const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin/intertrade.js');
const log = (s: string) => process.stdout.write(`${s}\n`);
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

type Mode = 'compiled' | 'sources';
/** How to run `intertrade <args>`: the bin (dist/ is current), or the sources as the bin runs them without a build. */
const command = (mode: Mode, args: string[]): string[] => (mode === 'compiled'
  ? [BIN, ...args]
  : ['--require', 'tsx/cjs', '-e', `require(${JSON.stringify(path.join(ROOT, 'src/cli.ts'))}).main(${JSON.stringify(args)})`]);

function run(mode: Mode, args: string[], childEnv: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, command(mode, args), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...childEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return Object.assign(child, { output: () => out });
}

const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => {
  if (child.exitCode !== null) resolve(child.exitCode);
  else child.once('exit', (code) => resolve(code));
});

/** Wall time of one command, which must exit 0. */
async function timeCommand(mode: Mode, args: string[], childEnv: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const child = run(mode, args, childEnv);
  const code = await exited(child);
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`intertrade ${args.join(' ')} (${mode}) exited ${code}:\n${child.output()}`);
  return ms;
}

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

/** CPU time (user + system, ms) a process has used so far; Linux's /proc, else NaN. */
function cpuMs(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

interface Started { child: ReturnType<typeof run>; ms: number; cpu: number }

/** `intertrade start` until /readyz answers 200. */
async function startHub(mode: Mode, hubEnv: Record<string, string>, url: string): Promise<Started> {
  const t0 = performance.now();
  const child = run(mode, ['start'], hubEnv);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the hub (${mode}) exited ${child.exitCode}:\n${child.output()}`);
    if (performance.now() - t0 > 120_000) throw new Error(`the hub (${mode}) was not ready within 120 s:\n${child.output()}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return { child, ms: performance.now() - t0, cpu: cpuMs(child.pid ?? 0) };
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopHub(h: Started): Promise<void> {
  h.child.kill('SIGTERM');
  const code = await exited(h.child);
  if (code !== 0) throw new Error(`the hub exited ${code} on SIGTERM:\n${h.child.output()}`);
}

interface Figure { label: string; target: number; runs: Record<Mode, number[]>; cpu?: Record<Mode, number[]> }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (xs: number[]) => `${sec(median(xs))} (${sec(Math.min(...xs))}–${sec(Math.max(...xs))})`;

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only && only !== 'startup') return;
  const t0 = performance.now();
  let tdb: TestDatabase | null = null;
  let hub: Started | null = null;
  try {
    const built = performance.now();
    await buildDist();
    const buildMs = performance.now() - built;
    tdb = await createTestDatabase();
    const [port, devnetPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${port}`;
    const token = crypto.randomBytes(32).toString('base64url');
    const hubEnv = {
      DATA_DIR: tdb.dataDir, PORT: String(port), DEVNET_PORT: String(devnetPort), GOVERNANCE_TOKENS: `admin:${token}`,
      ...(tdb.databaseUrl ? { DATABASE_URL: tdb.databaseUrl, MASTER_KEY: TEST_MASTER_KEY } : {}),
    };
    const clientEnv = { HUB_URL: url, GOVERNANCE_TOKEN: token };
    log(`Intertrade start-up benchmark — ${os.availableParallelism()} cores, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    log(`  database: ${tdb.databaseUrl ? `PostgreSQL server (fresh database on ${new URL(tdb.databaseUrl).host})` : 'embedded PostgreSQL (PGlite, in the hub process)'}; stellar: the embedded devnet (in the hub process)`);
    log(`  compiled: bin/intertrade.js running dist/ (npm run build, ${sec(buildMs)}); sources: src/cli.ts through tsx, as the bin runs without a current build`);

    // The first start provisions (migrations, the hub's accounts on a new ledger): not a restart.
    hub = await startHub('compiled', hubEnv, url);
    await timeCommand('compiled', ['community', 'create', '--code', 'BNS1', '--name', 'Start-up bench'], clientEnv); // a row to list

    const figures: Figure[] = [
      { label: 'intertrade --help', target: 500, runs: { compiled: [], sources: [] } },
      { label: 'intertrade community list', target: 500, runs: { compiled: [], sources: [] } },
      { label: 'restart to /readyz', target: 3000, runs: { compiled: [], sources: [] }, cpu: { compiled: [], sources: [] } },
    ];
    for (const mode of ['compiled', 'sources'] as const) {
      for (let i = 0; i <= RUNS; i++) {
        const help = await timeCommand(mode, ['--help'], {});
        const list = await timeCommand(mode, ['community', 'list'], clientEnv);
        if (i > 0) {
          figures[0].runs[mode].push(help);
          figures[1].runs[mode].push(list);
        }
      }
      for (let i = 0; i <= RUNS; i++) {
        await stopHub(hub);
        hub = null;
        hub = await startHub(mode, hubEnv, url);
        if (i > 0) {
          figures[2].runs[mode].push(hub.ms);
          figures[2].cpu![mode].push(hub.cpu);
        }
      }
    }

    log('');
    log(`  ${'median (min–max) of ' + RUNS}`.padEnd(30) + 'compiled'.padEnd(26) + 'sources (tsx)'.padEnd(26) + 'target (compiled)');
    for (const f of figures) {
      log(`  ${f.label.padEnd(28)}${summary(f.runs.compiled).padEnd(26)}${summary(f.runs.sources).padEnd(26)}≤ ${sec(f.target)}`);
      if (f.cpu) log(`  ${'  its CPU time to ready'.padEnd(28)}${sec(median(f.cpu.compiled)).padEnd(26)}${sec(median(f.cpu.sources)).padEnd(26)}`);
    }
  } finally {
    if (hub) await stopHub(hub).catch(() => undefined);
    await tdb?.drop().catch(() => undefined);
  }
  log('');
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
