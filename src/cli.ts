/**
 * `intertrade <command>`: the hub's one entry point (npm start, npm run migrate, the
 * operator's admin commands, the standalone devnet).
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import { Config, ConfigError, loadClientConfig, loadConfig } from './config';
import { cliCommands } from './plugins';
import { governanceGroups, governanceUsage, runGovernanceCli } from './governance/cli';

// The rest of the hub (database, ledger, HTTP server, vault, devnet) is loaded by the
// command that needs it: the usage and the governance commands, clients of the running
// hub over HTTP, load none of it and answer in a fraction of the time. require() rather
// than import(): the sources run as CommonJS under tsx, which leaves import() to Node.
const app = () => require('./app') as typeof import('./app');

/** The hub's logs: readable lines on a terminal, JSON lines to anything else (a file, a pipe, a log collector). */
function hubLogger(cfg: Config) {
  const { createLogger, prettyDestination } = require('./logger') as typeof import('./logger');
  return createLogger(cfg.logLevel, process.stdout.isTTY ? prettyDestination() : undefined);
}

const USAGE = `usage: intertrade <command>

  start [--demo] [--workers N]    run the hub (default); --demo seeds a small demo
                                  network into a hub that has no communities yet;
                                  --workers N (or WORKERS) runs N hub processes on
                                  the one port (needs DATABASE_URL; docs/scale-out.md)
  migrate                         apply database migrations and exit
  keys rotate-master              re-wrap every community key under a new master key
                                  (NEW_MASTER_KEY; embedded mode generates one)
  keys rotate-community <CODE>    re-encrypt a community's secrets under a new data key
  devnet [--port 8000] [--data DIR] [--close instant|MS] [--max-ops N]
                                  run the embedded Stellar network alone

${governanceUsage(cliCommands())}

Configuration comes from environment variables; see README.md and docs/governance.md.`;

class UsageError extends Error {}

function config(): Config {
  return loadConfig();
}

/** `start`'s options: --demo, and --workers N (N from 1 to 64), which overrides WORKERS. */
function startOptions(args: string[]): { demo: boolean; workers: number | null } {
  let demo = false;
  let workers: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--demo') demo = true;
    else if (a === '--workers' || a.startsWith('--workers=')) {
      const v = a === '--workers' ? args[++i] : a.slice('--workers='.length);
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) {
        throw new UsageError(`--workers ${v ?? ''}: expected the number of hub processes (an integer from 1 to 64)`);
      }
      workers = Number(v);
    } else throw new UsageError(`unknown option ${a} for start (only --demo and --workers N)`);
  }
  return { demo, workers };
}

async function start(args: string[]): Promise<void> {
  const { demo, workers: flag } = startOptions(args);
  const cfg = config();
  // A worker of `--workers N` (src/cluster.ts) is one hub, as without the option.
  const workers = cluster.isWorker ? 1 : flag ?? cfg.workers;
  if (workers > 1) {
    if (!cfg.databaseUrl) {
      throw new UsageError(`${flag !== null ? `--workers ${flag}` : `WORKERS=${cfg.workers}`}: several hub processes need a PostgreSQL server: set DATABASE_URL ` +
        '(the embedded database, without DATABASE_URL, is one process\'s)');
    }
    const { runWorkers } = require('./cluster') as typeof import('./cluster');
    process.exit(await runWorkers(cfg, { workers, demo, logger: hubLogger(cfg), out: (line) => process.stdout.write(`${line}\n`) }));
  }
  // A worker told to stop while it starts (the primary stopping) finishes starting and then
  // stops cleanly, rather than die by the signal still registered and holding its channels.
  let early: string | null = null;
  const onEarly = (signal: string) => { early ??= signal; };
  if (cluster.isWorker) process.on('SIGTERM', onEarly).on('SIGINT', onEarly);
  const hub = await app().startHub(cfg, { logger: hubLogger(cfg) });
  const out = process.stdout;
  out.write(`Intertrade hub listening on ${hub.url} (public URL ${cfg.publicUrl})\n`);
  out.write(`  database: ${hub.db.describe}\n`);
  out.write(`  stellar:  ${hub.network.describe}\n`);
  out.write(`  data dir: ${cfg.dataDir}\n`);
  out.write(`  governance: ${hub.governance.enabled ? `API at ${hub.url}/governance/v1, ` : ''}${hub.governance.describe}\n`);
  if (demo) {
    out.write('Seeding the demo network (three communities, credit lines, a few payments)…\n');
    const { seedDemo } = require('./demo') as typeof import('./demo');
    const seeded = await seedDemo(hub, (line) => out.write(`${line}\n`));
    out.write(seeded
      ? 'Demo ready. Try: npx intertrade community list; npx intertrade transfer GRN1/GRN10002 RED1/RED10002 10\n'
      : 'The hub already has communities: demo not seeded.\n');
  }
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    hub.logger.info({ signal }, 'shutting down: draining requests');
    hub.stop().then(
      () => {
        hub.logger.info('stopped');
        process.exit(0);
      },
      (err) => {
        hub.logger.error({ err }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.off('SIGTERM', onEarly).off('SIGINT', onEarly);
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (early) shutdown(early);
}

async function migrate(): Promise<void> {
  const cfg = config();
  const { openDatabase } = require('./db/database') as typeof import('./db/database');
  const db = await openDatabase({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
  try {
    const applied = await db.migrate();
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.close();
  }
}

async function rotateMaster(): Promise<void> {
  const { randomKey } = require('./vault/crypto') as typeof import('./vault/crypto');
  const { masterKeyFile, nextMasterKeyFile, readKeyFile, writeKeyFile } = require('./vault/master-key') as typeof import('./vault/master-key');
  const { rotateMasterKey } = require('./vault/rotation') as typeof import('./vault/rotation');
  const cfg = config();
  const storage = await app().openStorage(cfg, hubLogger(cfg), { attach: true });
  try {
    let newKey = cfg.newMasterKey;
    const pending = nextMasterKeyFile(cfg.dataDir);
    const keyFile = storage.masterKey.file;
    if (!newKey) {
      if (!keyFile) throw new UsageError('NEW_MASTER_KEY is required when the hub runs with MASTER_KEY');
      // Embedded mode: the new key is written before anything is re-wrapped, so an
      // interrupted rotation resumes with the same key.
      if (fs.existsSync(pending)) newKey = readKeyFile(pending);
      else writeKeyFile(pending, (newKey = randomKey()));
    }
    const result = await rotateMasterKey(storage.db, storage.masterKey.key, newKey, (m) => process.stdout.write(`${m}\n`));
    if (keyFile) {
      writeKeyFile(masterKeyFile(cfg.dataDir), newKey);
      fs.rmSync(pending, { force: true });
      process.stdout.write(`new master key stored in ${keyFile}\n`);
    } else {
      process.stdout.write('done: restart the hub with MASTER_KEY set to the value of NEW_MASTER_KEY\n');
    }
    process.stdout.write(`re-wrapped ${result.rewrapped} data key(s)\n`);
  } finally {
    await storage.close();
  }
}

async function rotateCommunity(code: string | undefined): Promise<void> {
  if (!code) throw new UsageError('usage: intertrade keys rotate-community <CODE>');
  const { rotateCommunityKey } = require('./vault/rotation') as typeof import('./vault/rotation');
  const { Community } = require('./core/communities/model') as typeof import('./core/communities/model');
  const cfg = config();
  const storage = await app().openStorage(cfg, hubLogger(cfg), { attach: true });
  try {
    const community = await storage.db.hub(async (trx) => Community.query(trx).findOne({ code }));
    if (!community) throw new UsageError(`no community with code ${code}`);
    const r = await rotateCommunityKey(storage.db, storage.vault, community.id, (m) => process.stdout.write(`${m}\n`));
    process.stdout.write(`community ${code}: data key v${r.version}, ${r.resealed} secret(s) re-sealed\n`);
  } finally {
    await storage.close();
  }
}

export async function run(argv: string[]): Promise<void> {
  const [command = 'start', ...rest] = argv;
  switch (command) {
    case 'start': return start(rest);
    case 'migrate': return migrate();
    case 'keys':
      if (rest[0] === 'rotate-master') return rotateMaster();
      if (rest[0] === 'rotate-community') return rotateCommunity(rest[1]);
      throw new UsageError(USAGE);
    case 'devnet':
      return (require('@intertrade/devnet') as typeof import('@intertrade/devnet')).runDevnet(rest, { command: 'intertrade devnet' });
    case 'help': case '--help': case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default: {
      const commands = cliCommands();
      if (!governanceGroups(commands).has(command)) throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = await runGovernanceCli([command, ...rest], loadClientConfig(), {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      }, commands);
    }
  }
}

/** Entry point of bin/intertrade.js: turns known failures into a message and an exit code. */
export function main(argv: string[]): void {
  run(argv).catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    const e = err as Error;
    process.stderr.write(`intertrade: ${e.message ?? String(err)}\n`);
    process.exit(1);
  });
}
