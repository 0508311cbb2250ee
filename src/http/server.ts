/**
 * The hub's koa application and the middleware every route shares: request ids,
 * structured access logs, metrics, a body size limit (413), JSON errors without
 * stack traces, and a JSON 404. Protocol routers are mounted by the composition root.
 */
import { refuseNul } from './edge';
import crypto from 'node:crypto';
import http from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { Logger } from '../logger';
import { Metrics } from './metrics';
import { describeError } from './errors';

export interface HttpState {
  requestId: string;
  log: Logger;
}

export type AppContext = Koa.ParameterizedContext<HttpState>;

/** An error the shared middleware caught, described (see describeError). */
export interface CaughtError {
  status: number;
  code: string;
  message: string;
  field?: string;
  /** Set on a 503 for an outage: seconds before a repeat (Retry-After). */
  retryAfter?: number;
}

/**
 * Paths a foreign protocol answers in its own format. Its clients cannot read the hub's
 * error body, so errors caught before or around its routes (a malformed or too large
 * body, an internal error) are answered by the protocol; and a protocol that
 * authenticates the exact bytes of a body (Hawk) reads the body itself.
 */
export interface PathOwner {
  owns(path: string): boolean;
  /** The shared body parser leaves these requests alone: the protocol reads the raw body. */
  readsRawBody?(path: string): boolean;
  answerError(ctx: AppContext, e: CaughtError): void;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createHttpApp(opts: {
  logger: Logger; metrics: Metrics; bodyLimit: number; routers: Router[]; owners?: PathOwner[];
}): Koa<HttpState> {
  const owners = opts.owners ?? [];
  const ownerOf = (path: string) => owners.find((o) => o.owns(path));
  const app = new Koa<HttpState>();
  app.proxy = false;
  // Errors are logged by our middleware with the request id; koa's default printer would log them twice.
  app.silent = true;

  app.use(async (ctx, next) => {
    const given = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(given) ? given : crypto.randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = opts.logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const start = process.hrtime.bigint();
    try {
      await next();
    } catch (err) {
      const d = describeError(err);
      // An outage is not a bug of the hub: a warning naming what is down, without a stack.
      if (d.retryAfter !== undefined) ctx.state.log.warn({ reason: d.message }, 'request answered 503: a dependency is unavailable');
      else if (d.status >= 500) ctx.state.log.error({ err }, 'request failed');
      if (d.retryAfter !== undefined) ctx.set('Retry-After', String(d.retryAfter));
      const owner = ownerOf(ctx.path);
      if (owner) {
        owner.answerError(ctx, { status: d.status, code: d.code, message: d.message, field: d.field, retryAfter: d.retryAfter });
      } else {
        ctx.status = d.status;
        ctx.body = { error: { code: d.code, message: d.message, ...(d.field !== undefined ? { field: d.field } : {}), requestId } };
      }
    } finally {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const labels = { method: ctx.method, route: String(route), status: String(ctx.status) };
      opts.metrics.httpDuration.observe(labels, seconds);
      opts.metrics.httpRequests.inc(labels);
      ctx.state.log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(seconds * 1000) }, 'request');
    }
  });

  app.use(async (ctx, next) => {
    if (ownerOf(ctx.path)?.readsRawBody?.(ctx.path)) (ctx as unknown as { disableBodyParser: boolean }).disableBodyParser = true;
    await next();
  });
  app.use(bodyParser({
    enableTypes: ['json', 'form', 'text'],
    extendTypes: { json: ['application/json', 'application/vnd.api+json'] },
    jsonLimit: opts.bodyLimit,
    formLimit: opts.bodyLimit,
    textLimit: opts.bodyLimit,
  }));

  // Nothing the database cannot store gets past here (raw bodies are their protocol's to check).
  app.use(async (ctx, next) => {
    refuseNul(ctx.query, (ctx.request as unknown as { body?: unknown }).body);
    await next();
  });

  for (const r of opts.routers) app.use(r.routes()).use(r.allowedMethods());

  app.use(async (ctx) => {
    ctx.status = 404;
    ctx.body = { error: { code: 'not_found', message: `no route for ${ctx.method} ${ctx.path}`, requestId: ctx.state.requestId } };
  });
  return app;
}

/**
 * Serve `app` and return a stop function that drains: stop accepting, let in-flight
 * requests finish (up to `timeoutMs`), then cut whatever is left.
 */
export async function listen(
  app: Koa<HttpState>, port: number, host: string, timeoutMs: number,
): Promise<{ server: http.Server; port: number; stop(): Promise<void> }> {
  let inflight = 0;
  let drained: (() => void) | null = null;
  let draining = false;
  const handle = app.callback();
  const server = http.createServer((req, res) => {
    inflight++;
    // While draining, tell keep-alive clients not to reuse the connection.
    if (draining) res.setHeader('Connection', 'close');
    res.on('close', () => {
      inflight--;
      if (draining) server.closeIdleConnections();
      if (inflight === 0 && drained) drained();
    });
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  let stopping: Promise<void> | null = null;
  return {
    server,
    port: actual,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        draining = true;
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        const idle = inflight === 0 ? Promise.resolve() : new Promise<void>((r) => { drained = r; });
        const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
        void idle.then(() => closed).then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return stopping;
    },
  };
}
