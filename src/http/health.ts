/**
 * Liveness, readiness and metrics. /healthz says the process serves HTTP; /readyz
 * says it can do its job (database and Stellar network reachable), asking each of them
 * at every call and naming in words what is down, so the person on call knows what to
 * look at.
 */
import Router from '@koa/router';
import { HttpState } from './server';
import { Metrics } from './metrics';

export interface ReadinessChecks {
  /** Resolves when ready; else throws an error whose message says what is wrong, in words. */
  [name: string]: () => Promise<void>;
}

/** A database failure this recent still makes the hub not ready: requests were answered 503 then. */
const RECENT_FAILURE_MS = 5000;

/**
 * The database: it answers a `select 1` now (within the ping's timeout), and no request
 * had to be given up on it in the last 5 s (it drops connections: retries are not
 * enough, callers are being answered 503).
 */
export function databaseCheck(db: {
  describe: string; ping(): Promise<void>; outages(): { lastFailure: { at: Date; reason: string } | null };
}): () => Promise<void> {
  return async () => {
    await db.ping();
    const last = db.outages().lastFailure;
    const ago = last ? Date.now() - last.at.getTime() : Infinity;
    if (last && ago < RECENT_FAILURE_MS) {
      throw new Error(`the database (${db.describe}) drops connections: a request could not be completed ${Math.round(ago / 1000)} s ago (${last.reason})`);
    }
  };
}

/**
 * The Stellar network: Horizon answers now, and no submission has waited longer than
 * `stallMs` for its answer (a network that accepts connections but confirms nothing).
 */
export function ledgerCheck(name: string, network: { ping(): Promise<void> }, ledger: { waiting(): { jobs: number; oldestMs: number } }, stallMs: number): () => Promise<void> {
  return async () => {
    await network.ping();
    const w = ledger.waiting();
    if (w.oldestMs > stallMs) {
      throw new Error(`${name} has not confirmed a submission for ${Math.round(w.oldestMs / 1000)} s (${w.jobs} waiting); payments are recorded and finish when it answers`);
    }
  };
}

export function healthRouter(opts: { checks: ReadinessChecks; metrics: Metrics }): Router<HttpState> {
  const router = new Router<HttpState>();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const results = await Promise.all(
      Object.entries(opts.checks).map(async ([name, check]) => {
        try {
          await check();
          return [name, { ok: true }] as const;
        } catch (err) {
          return [name, { ok: false, error: (err as Error).message }] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r.ok);
    ctx.status = ready ? 200 : 503;
    if (!ready) ctx.set('Retry-After', '5');
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = opts.metrics.registry.contentType;
    ctx.body = await opts.metrics.registry.metrics();
  });
  return router;
}
