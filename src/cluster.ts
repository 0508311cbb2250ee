/**
 * `intertrade start --workers N`: N hub processes on one machine, sharing one port.
 *
 * The primary serves nothing itself. It migrates the database once (so N workers do not
 * race to), runs the embedded devnet when there is no outside network (the devnet lives
 * in DATA_DIR and is one process's: each worker is given its Horizon URL and so sees an
 * outside network), forks the workers, restarts one that dies, and stops them all on
 * SIGTERM/SIGINT. Node's cluster module hands every worker the primary's listening
 * socket, so connections spread over the workers on the one port (PORT=0 included: the
 * workers' first listen(0) shares one port). Each worker is a whole hub (startHub): the
 * processes coordinate through the database (core/processes.ts, docs/scale-out.md).
 */
import cluster, { Worker } from 'node:cluster';
import { Config } from './config';
import { lockDataDir } from './db/data-dir';
import { openDatabase } from './db/database';
import { StellarNetwork, openStellarNetwork } from './ledger/network';
import { Logger } from './logger';

/** A worker that lived less than this before dying counts as failing, and waits longer each time. */
const STEADY_MS = 30_000;
const BACKOFF_MS = { first: 500, max: 15_000 };

export interface WorkersOptions {
  workers: number;
  /** Seed the demo network: given to the first worker's first start only. */
  demo: boolean;
  logger: Logger;
  out: (line: string) => void;
}

/** Runs the primary until SIGTERM/SIGINT has stopped every worker; resolves with the exit code. */
export async function runWorkers(cfg: Config, opts: WorkersOptions): Promise<number> {
  const { logger, out } = opts;
  const entry = process.argv[1];
  if (!entry) throw new Error('--workers needs the hub started from a script (bin/intertrade.js), which each worker runs again');
  // The embedded devnet keeps its ledger in DATA_DIR: held here for as long as it runs.
  const unlock = cfg.stellar.kind === 'embedded' ? lockDataDir(cfg.dataDir) : () => {};
  let network: StellarNetwork | null = null;
  try {
    const db = await openDatabase({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
    try {
      const applied = await db.migrate();
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    } finally {
      await db.close();
    }
    network = await openStellarNetwork(cfg.stellar, cfg.dataDir);
  } catch (err) {
    await network?.close();
    unlock();
    throw err;
  }
  const opened = network;

  const env: Record<string, string> = {
    STELLAR_HORIZON_URL: opened.horizonUrl,
    STELLAR_NETWORK_PASSPHRASE: opened.networkPassphrase,
    // Its default follows the devnet: keep the primary's, now that the workers see an outside network.
    KOMUNITIN_DEV: String(cfg.komunitin.dev),
  };
  out(`Intertrade hub: starting ${opts.workers} workers (primary pid ${process.pid})`);
  out(`  stellar:  ${opened.describe}`);

  type Slot = { worker: Worker | null; failures: number; startedAt: number };
  const slots: Slot[] = Array.from({ length: opts.workers }, () => ({ worker: null, failures: 0, startedAt: 0 }));
  let stopping = false;
  let everyoneUp = false;
  let listening = 0;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => { finish = resolve; });
  let exitCode = 0;

  const fork = (i: number, first: boolean) => {
    cluster.setupPrimary({ exec: entry, args: ['start', ...(first && i === 0 && opts.demo ? ['--demo'] : [])] });
    const worker = cluster.fork(env);
    const slot = slots[i];
    slot.worker = worker;
    slot.startedAt = Date.now();
    worker.once('listening', (address) => {
      if (everyoneUp) {
        logger.info({ worker: i + 1, pid: worker.process.pid }, 'worker restarted');
        return;
      }
      if (++listening === opts.workers) {
        everyoneUp = true;
        const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
        out(`Intertrade hub: ${opts.workers} workers listening on http://${host}:${address.port} (pids ${slots.map((s) => s.worker?.process.pid).join(', ')})`);
      }
    });
    worker.once('exit', (code, signal) => {
      slot.worker = null;
      if (stopping) {
        // Killed by the SIGTERM itself: it had not yet reached the hub's start (which
        // takes the signal over before it registers), so it held nothing.
        if (code !== 0 && signal !== 'SIGTERM') {
          logger.error({ worker: i + 1, pid: worker.process.pid, code, signal }, 'a worker did not stop cleanly');
          exitCode = 1;
        }
        if (slots.every((s) => s.worker === null)) finish(exitCode);
        return;
      }
      // Not yet all up: a worker that cannot start (a wrong MASTER_KEY, the port taken)
      // would fail the same way again; stop and say so rather than restart forever.
      if (!everyoneUp) {
        logger.error({ worker: i + 1, pid: worker.process.pid, code, signal }, 'a worker failed to start: stopping the others');
        exitCode = 1;
        stop('worker failed to start');
        return;
      }
      slot.failures = Date.now() - slot.startedAt < STEADY_MS ? slot.failures + 1 : 0;
      const delay = Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** slot.failures);
      logger.warn({ worker: i + 1, pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died: restarting it');
      setTimeout(() => { if (!stopping) fork(i, false); }, delay);
    });
  };

  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'stopping the workers');
    // Each worker drains its requests and leaves the registry (its own SIGTERM handler, hub.stop()).
    for (const s of slots) s.worker?.process.kill('SIGTERM');
    if (slots.every((s) => s.worker === null)) finish(exitCode);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let i = 0; i < opts.workers; i++) fork(i, true);
  const code = await done;
  await opened.close();
  unlock();
  logger.info('stopped');
  return code;
}
