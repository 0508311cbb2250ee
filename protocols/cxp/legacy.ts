/**
 * Legacy mode: the deployed Drupal 7 `intertrading` client (2012–2013), unmodified.
 * It posts forms to <server>/<path> — here <hub>/cxp/legacy/<path> — carrying its site
 * address (`src_url`) and a shared `key` in the body, and the hub also checks the
 * caller's IP against the exchange's allowlist. There is no HMAC: anyone who sees one
 * request can replay it from an allowed address, so only exchanges the governing body
 * opted in use it, and reports mark them. An empty optional field is an absent one
 * (formFields). Answers: status line `200 Intertrading`, a JSON array with 'OK' or the
 * code first, the rest being the message's arguments.
 */
import crypto from 'node:crypto';
import Router from '@koa/router';
import { AppContext, HttpState } from '../../src/http/server';
import { Logger } from '../../src/logger';
import { isUnavailable, outageText } from '../../src/http/errors';
import { CxpFailure, unavailable } from './errors';
import { Schema, valid } from './schemas';
import { LegacyHandshake, LegacyHandshakeBody, LegacyPrepare, LegacyPrepareBody, LegacyTry, LegacyTryBody } from './schemas/legacy';
import { CxpService } from './service';
import { CxpExchange, ExchangeStore, uriKey } from './store';
import { localToHour, readAmounts, toJson } from './translate';

export const LEGACY_PREFIX = '/cxp/legacy';

/** IPv4 callers reach a dual-stack socket as ::ffff:a.b.c.d. */
const plainIp = (ip: string) => ip.replace(/^::ffff:/i, '');

export function reply(ctx: AppContext, items: unknown[]): void {
  ctx.status = 200;
  ctx.message = 'Intertrading';
  ctx.type = 'application/json';
  ctx.body = toJson(items);
}

export const failure = (e: CxpFailure): unknown[] => [e.code, ...Object.values(e.args)];

/**
 * A legacy post's fields as its message has them. The Drupal client posts every field
 * it has a variable for, PHP writing an unset one as '' (`logo=`, `name=`): an empty
 * optional field is absent. An empty required field stays, for the schema to judge.
 */
export function formFields(s: Schema<unknown>, body: Record<string, unknown>): Record<string, unknown> {
  const required = new Set((s.json.required ?? []) as string[]);
  return Object.fromEntries(Object.entries(body).filter(([k, v]) => v !== '' || required.has(k)));
}

export function legacyRouter(deps: { service: CxpService; store: ExchangeStore; logger: Logger }): Router<HttpState> {
  const { service, store } = deps;
  const router = new Router<HttpState>({ prefix: LEGACY_PREFIX });

  /** The exchange a legacy post comes from: opted in, from an allowed address, with its key. */
  const authenticate = async (ctx: AppContext, body: Record<string, unknown>): Promise<CxpExchange> => {
    const src = body.src_url;
    const key = body.key;
    if (typeof src !== 'string' || typeof key !== 'string' || src === '' || key === '') throw new CxpFailure(18);
    const ex = await store.byUriKey(uriKey(src));
    if (!ex || !ex.legacy) throw new CxpFailure(16);
    if (!ex.legacyIps.map(plainIp).includes(plainIp(ctx.ip))) throw new CxpFailure(16);
    const stored = await store.legacyKey(ex);
    const a = Buffer.from(stored?.reveal() ?? '');
    const b = Buffer.from(key);
    if (!stored || a.length !== b.length || !crypto.timingSafeEqual(a, b)) throw new CxpFailure(17);
    return ex;
  };

  const route = (handle: (ex: CxpExchange, body: Record<string, unknown>) => Promise<unknown[]>) => async (ctx: AppContext) => {
    try {
      const body = ctx.request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new CxpFailure(18);
      const ex = await authenticate(ctx, body as Record<string, unknown>);
      reply(ctx, await handle(ex, body as Record<string, unknown>));
    } catch (err) {
      if (err instanceof CxpFailure) return reply(ctx, failure(err));
      if (isUnavailable(err)) {
        ctx.state.log.warn({ reason: err.message }, 'cxp legacy request answered "try again": a dependency is unavailable');
        return reply(ctx, failure(unavailable(outageText(err), err.retryAfterSec)));
      }
      ctx.state.log.error({ err }, 'cxp legacy request failed');
      reply(ctx, [5, `internal error; request id ${ctx.state.requestId}`]);
    }
  };

  router.post('/intertrading/help/json', route(async (ex) => ['OK', await service.status(ex)]));

  router.post('/exchange/handshake', route(async (ex, raw) => {
    const form = formFields(LegacyHandshake, raw);
    const amount = readAmounts(['ticks'], (f) => form[f]);
    const b = valid(LegacyHandshake, form, { coerce: true }) as LegacyHandshakeBody;
    const r = await service.handshake(ex, {
      api: b.api ?? 1, mail: b.mail, ticks: amount('ticks'), first_trade: b.first_trade ?? 0, traders: b.traders ?? 0,
      transactions: b.transactions ?? 0, uri: b.uri ?? ex.uri,
      ...(b.name ? { name: b.name } : {}), ...(b.logo ? { logo: b.logo } : {}), ...(b.new_key ? { new_key: b.new_key } : {}),
    }, { previousKey: false, signedWith: b.key, legacy: true });
    return ['OK', r];
  }));

  router.post('/exchange/prepare', route(async (ex, raw) => {
    const form = formFields(LegacyPrepare, raw);
    const amount = readAmounts(['volume', 'balance'], (f) => form[f]);
    const b = valid(LegacyPrepare, form, { coerce: true }) as LegacyPrepareBody;
    const limits = await service.prepare(ex, { volume: amount('volume'), integrity: b.integrity, balance: amount('balance') });
    return ['OK', { sites: await service.clients(ex), ...limits }];
  }));

  router.post('/transaction/try', route(async (ex, raw) => {
    const form = formFields(LegacyTry, raw);
    const amount = readAmounts(['quantity'], (f) => form[f]);
    const b = valid(LegacyTry, form, { coerce: true }) as LegacyTryBody;
    const c = await service.exchangeCommunity(ex);
    const local = amount('quantity');
    // No temp_id in the legacy client: a repeat of the same post (same date) is the same try.
    // Without a date either, the same post on the same (UTC) day is: a retry must never pay
    // twice, and a second identical payment on the same day without a date is the rarer case.
    const day = new Date().toISOString().slice(0, 10);
    const temp = b.temp_id ?? `legacy-${crypto.createHash('sha256').update(JSON.stringify([b.payer, b.payee, b.dest_url, b.quantity, b.description, b.date ?? `day:${day}`])).digest('hex').slice(0, 40)}`;
    await service.try(ex, {
      payer: b.payer, payer_url: b.payer_url, payee: b.payee, payee_url: b.payee_url, src_url: b.src_url, dest_url: b.dest_url,
      quantity: localToHour(local, c), description: b.description, really: b.really, temp_id: temp,
    });
    return ['OK'];
  }));

  return router;
}
