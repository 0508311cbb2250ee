/**
 * The CXP endpoints under /cxp. Every request: raw body → Hawk (17/18, or 16 / status −1
 * for an unknown id) → JSON, its amounts read exactly from their text, and schema (8,
 * 11, 12, 13, 15) → the service. Every answer is CXP's JSON, signed with
 * Server-Authorization once the caller is authenticated; nothing thrown here reaches
 * the hub's own error format.
 */
import Router from '@koa/router';
import { AppContext, HttpState } from '../../src/http/server';
import { Logger } from '../../src/logger';
import { Authenticated, authenticate, serverAuthorization } from './auth';
import { isUnavailable, outageText } from '../../src/http/errors';
import { CxpFailure, tooLarge, unavailable } from './errors';
import { Handshake, HandshakeBody } from './schemas/handshake';
import { Prepare, PrepareQuery } from './schemas/prepare';
import { Try, TryBody } from './schemas/try';
import { valid } from './schemas';
import { CxpService } from './service';
import { ExchangeStore } from './store';
import { readJson } from './json';
import { readAmounts, toJson } from './translate';

export const PREFIX = '/cxp';

/** The body as the client sent it (its payload hash is over these bytes). */
export async function rawBody(ctx: AppContext, limit: number): Promise<string> {
  const parsed = (ctx.request as { rawBody?: string }).rawBody;
  if (typeof parsed === 'string') return parsed;
  if (ctx.req.readableEnded || ctx.method === 'GET' || ctx.method === 'HEAD') return '';
  // A content type the hub's body parser does not read: read it here, within the limit.
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function send(ctx: AppContext, status: number, body: unknown, auth: Authenticated | null, headers: Record<string, string> = {}): void {
  const text = toJson(body);
  ctx.status = status;
  ctx.type = 'application/json';
  for (const [k, v] of Object.entries(headers)) ctx.set(k, v);
  if (auth) ctx.set('Server-Authorization', serverAuthorization(auth, text, 'application/json'));
  ctx.body = text;
}

export function cxpRouter(deps: {
  service: CxpService; store: ExchangeStore; logger: Logger; bodyLimit: number; openApi: () => unknown;
}): Router<HttpState> {
  const { service, store, bodyLimit } = deps;
  const router = new Router<HttpState>({ prefix: PREFIX });

  /**
   * One authenticated exchange request. `unknown` answers an unknown Hawk id (the
   * handshake's status −1); elsewhere an unknown id is code 16.
   */
  const hawkRoute = (opts: { allowPrevious?: boolean; unknown?: () => unknown },
    handle: (auth: Authenticated, payload: string, ctx: AppContext) => Promise<unknown>) =>
    async (ctx: AppContext) => {
      let auth: Authenticated | null = null;
      try {
        const payload = await rawBody(ctx, bodyLimit);
        auth = await authenticate(ctx.req, payload, store, { allowPrevious: opts.allowPrevious });
        if (!auth) {
          if (opts.unknown) return send(ctx, 200, opts.unknown(), null);
          throw new CxpFailure(16, { '@reason': 'no exchange has this Hawk id' });
        }
        send(ctx, 200, await handle(auth, payload, ctx), auth);
      } catch (err) {
        if (err instanceof CxpFailure) return send(ctx, err.status, err.body(), auth, err.headers);
        if (isUnavailable(err)) {
          ctx.state.log.warn({ reason: err.message }, 'cxp request answered "try again": a dependency is unavailable');
          const u = unavailable(outageText(err), err.retryAfterSec);
          return send(ctx, u.status, u.body(), auth, u.headers);
        }
        ctx.state.log.error({ err }, 'cxp request failed');
        const failure = new CxpFailure(5, { '@message': `internal error; request id ${ctx.state.requestId}` });
        send(ctx, failure.status, failure.body(), auth);
      }
    };

  router.post('/server', hawkRoute({ allowPrevious: true, unknown: () => service.unknownHandshake() }, async (auth, payload) => {
    const json = readJson(payload);
    const amount = readAmounts(['ticks'], (f) => json.numbers.get(f));
    const body = valid(Handshake, json.value) as HandshakeBody;
    return service.handshake(auth.exchange, { ...body, ticks: amount('ticks') }, { previousKey: auth.previousKey, signedWith: auth.credentials.key });
  }));

  router.get('/server/clients', hawkRoute({}, async (auth) => service.clients(auth.exchange)));

  router.get('/transactions', hawkRoute({}, async (auth, _payload, ctx) => {
    const amount = readAmounts(['volume', 'balance'], (f) => ctx.query[f]);
    const q = valid(Prepare, ctx.query, { coerce: true }) as PrepareQuery;
    return service.prepare(auth.exchange, { volume: amount('volume'), integrity: q.integrity, balance: amount('balance') });
  }));

  router.put('/transactions', hawkRoute({}, async (auth, payload) => {
    const json = readJson(payload);
    const amount = readAmounts(['quantity'], (f) => json.numbers.get(f));
    const body = valid(Try, json.value) as TryBody;
    return service.try(auth.exchange, { ...body, quantity: amount('quantity') });
  }));

  let doc: unknown = null;
  router.get('/openapi.json', async (ctx) => {
    doc ??= deps.openApi();
    ctx.type = 'application/json';
    ctx.body = doc;
  });

  return router;
}
