/**
 * The data_url Clearing Central forwards bills to:
 *
 *   <hub>/clearing-central/<COMMUNITY>/<secret>   POST form (request_format post) or GET query (get)
 *
 * Forwarded requests carry no secret of their own, so the caller must both come from an
 * address the community allowed and know the path segment the hub generated (a forged
 * request from an allowed network still fails). Both failures, and an unknown
 * community, answer the same 11: nothing tells a prober which one it missed. The body
 * is read raw and parsed into a map (no nested keys); the query string is read first
 * and the body wins, as Clearing Central's own txinput.php does. Every answer is
 * url-encoded `response=<code>…`, HTTP 200 — never the hub's JSON, never a 500.
 */
import Router from '@koa/router';
import { AppContext, HttpState } from '../../src/http/server';
import { Community, CommunityService, isCommunityError } from '../../src/core';
import { allowlist } from './allowlist';
import { CcFailure, Code } from './errors';
import { readForm, writeForm } from './form';
import { Bill, IncomingService } from './incoming';
import { CcStore, NID, pathMatches } from './store';
import { readAmount } from './translate';

export const PREFIX = '/clearing-central';

/**
 * Clients send a UUID (36) or digits and a timestamp (~30): printable, and never "|",
 * which separates the parts of an idempotency key (a txid "t|edit|1" must not name
 * another txid's edit).
 */
const TXID = /^[\x21-\x7b\x7d\x7e]{1,64}$/;
const MAX_TEXT = 255;
const DRAIN_FACTOR = 8;

export function reply(ctx: AppContext, fields: Array<[string, string]>): void {
  ctx.status = 200;
  ctx.type = 'application/x-www-form-urlencoded';
  ctx.body = writeForm(fields);
}

export const failureReply = (ctx: AppContext, code: Code): void => reply(ctx, [['response', String(code)]]);

export async function rawBody(ctx: AppContext, limit: number): Promise<string> {
  if (ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.req.readableEnded) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    // Past the limit the rest is read and dropped, so the caller gets its 5 rather than a
    // reset connection; past DRAIN_FACTOR times the limit the connection is cut.
    if (size > limit * DRAIN_FACTOR) ctx.req.destroy();
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new CcFailure(Code.FaultyData, `body of ${size} bytes is over the limit`);
  return Buffer.concat(chunks).toString('utf8');
}

/** The named fields of a forward, checked; anything else in it is ignored. */
export function readBill(f: Map<string, string>): Bill {
  for (const v of f.values()) if (v.includes('\u0000')) throw new CcFailure(Code.FaultyData, 'a field contains NUL');
  const text = (k: string) => (f.get(k) ?? '').slice(0, MAX_TEXT);
  const txid = f.get('txid') ?? '';
  if (!TXID.test(txid)) throw new CcFailure(Code.FaultyData, 'txid missing or malformed');
  const buyerNid = (f.get('buyer_nid') ?? '').trim().toLowerCase();
  const sellerNid = (f.get('seller_nid') ?? '').trim().toLowerCase();
  if (!NID.test(buyerNid) || !NID.test(sellerNid)) throw new CcFailure(Code.FaultyData, 'buyer_nid or seller_nid is not a NID');
  const buyerId = f.get('buyer_id');
  // An edit carries no buyer_id and may bring the amount to 0 (the whole bill reversed).
  const amount = readAmount(f.get('amount')?.trim(), { zero: buyerId === undefined });
  if (amount === null) throw new CcFailure(Code.FaultyData, `amount ${JSON.stringify(f.get('amount') ?? '').slice(0, 40)} is not a positive decimal with at most 7 decimals`);
  if (buyerId !== undefined && buyerId.trim() === '') throw new CcFailure(Code.FaultyData, 'buyer_id is empty');
  return {
    txid, buyerNid, sellerNid, description: text('description'), amount,
    ...(buyerId !== undefined ? { buyerId: buyerId.slice(0, MAX_TEXT) } : {}),
    seller: { id: text('seller_id'), name: text('seller_name'), email: text('seller_email'), xname: text('seller_xname'), country: text('seller_country') },
  };
}

export function ccRouter(deps: { incoming: IncomingService; store: CcStore; communities: CommunityService; bodyLimit: number }): Router<HttpState> {
  const { incoming, store, communities, bodyLimit } = deps;
  const router = new Router<HttpState>({ prefix: PREFIX });

  // Kept for a moment like every row a bill reads (see store.ts): a block takes effect within CACHE_MS.
  const community = (code: string): Promise<Community | null> => (/^[A-Z0-9]{4}$/.test(code)
    ? store.remember(`community:${code}`, async () => {
      const c = await communities.getByCode(code);
      return !isCommunityError(c) && c.kind === 'hosted' ? c : null;
    })
    : Promise.resolve(null));

  router.all('/:code/:secret', async (ctx) => {
    let txid = '';
    try {
      const c = await community(ctx.params.code);
      const conn = c ? await store.connection(c.id) : null;
      if (!c || !conn || !pathMatches(conn, ctx.params.secret) || !allowlist(conn.allowedIps).allows(ctx.ip)) {
        throw new CcFailure(Code.UnknownCaller, `caller ${ctx.ip} or its path is not this community's Clearing Central`);
      }
      // Clearing Central forwards with GET (request_format get) or POST (post); nothing else.
      if (ctx.method !== 'GET' && ctx.method !== 'POST') throw new CcFailure(Code.FaultyData, `method ${ctx.method}`);
      const fields = readForm(ctx.querystring);
      for (const [k, v] of readForm(await rawBody(ctx, bodyLimit))) fields.set(k, v);
      txid = fields.get('txid') ?? '';
      const bill = readBill(fields);
      const a = await incoming.bill(conn, c, bill);
      reply(ctx, [['response', '1'], ['buyer_name', a.buyerName], ['buyer_email', a.buyerEmail]]);
    } catch (err) {
      if (err instanceof CcFailure) {
        ctx.state.log.info({ code: err.code, reason: err.reason, txid: txid.slice(0, 64) }, 'clearing central bill refused');
        return failureReply(ctx, err.code);
      }
      ctx.state.log.error({ err }, 'clearing central bill failed');
      failureReply(ctx, Code.ServerError);
    }
  });

  return router;
}
