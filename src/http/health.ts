/**
 * Liveness, readiness and metrics. /healthz says the process serves HTTP; /readyz
 * says it can do its job (database and Stellar network reachable), naming what is not.
 */
import Router from '@koa/router';
import { HttpState } from './server';
import { Metrics } from './metrics';

export interface ReadinessChecks {
  [name: string]: () => Promise<void>;
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
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = opts.metrics.registry.contentType;
    ctx.body = await opts.metrics.registry.metrics();
  });
  return router;
}
