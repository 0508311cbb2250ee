/**
 * Komunitin's API for every community the hub serves (hosted and mirror):
 *   GET   /{CODE}/currency            public: rate, scale, ledger keys
 *   GET   /{CODE}/accounts/{id}       public: the account's ledger key
 *   POST  /{CODE}/transfers           a peer notifies a payment or asks for one; a member pays or asks a peer
 *   GET   /{CODE}/transfers/{id}      either side of the transfer (JWT)
 *   PATCH /{CODE}/transfers/{id}      a payment request accepted or rejected
 * Media type application/vnd.api+json; every error is a JSON:API error naming the
 * member at fault; a rejected request changes nothing, but a refused notify of a
 * payment already on the ledger is kept to be recorded from it (recovery.ts). A
 * transfer's `meta` is taken in both of Komunitin's forms and answered in the one sent.
 */
import { UUID, findNul } from '../../src/http/edge';
import Router from '@koa/router';
import { Next } from 'koa';
import { Community, isAmountError, isCommunityError } from '../../src/core';
import { AppContext, HttpState } from '../../src/http/server';
import { ProtocolDeps } from '../../src/protocol';
import { verifyBearer } from './auth';
import { Unavailable, isUnavailable, outageText } from '../../src/http/errors';
import { KomunitinCode, KomunitinError, fail } from './errors';
import { isServed, resolveLocal } from './local';
import { PeerDirectory } from './peers';
import { Recovery } from './recovery';
import { KTransfer, TransferStore } from './requests';
import { TransferCreateDoc, TransferUpdateDoc, transferCreateDocument, transferUpdateDocument, validate } from './schemas';
import { KomunitinService } from './service';
import { MEDIA_TYPE, MetaForm, SCALE, accountResource, currencyResource, fromWire, readMeta, transferResource } from './translate';

const CODE = /^[A-Z0-9]{4}$/;

/** An outage: 503 with Retry-After, as a JSON:API error. */
function unavailable(ctx: AppContext, err: Unavailable): KomunitinError {
  ctx.state.log.warn({ reason: err.message }, 'komunitin request answered 503: a dependency is unavailable');
  ctx.set('Retry-After', String(err.retryAfterSec));
  return new KomunitinError(KomunitinCode.ServiceUnavailable, outageText(err));
}

export function komunitinRouter(deps: ProtocolDeps & { service: KomunitinService; store: TransferStore; peers: PeerDirectory; recovery: Recovery }): Router<HttpState> {
  const router = new Router<HttpState>();
  const { service, store } = deps;

  /** Answer in Komunitin's format whatever happens; paths that are not a community code pass on. */
  const handle = (fn: (ctx: AppContext, c: Community) => Promise<{ status: number; body: unknown }>) => async (ctx: AppContext, next: Next) => {
    const code = (ctx.params as Record<string, string>).code;
    if (!CODE.test(code)) return next();
    try {
      // Checked by their type before any reaches SQL.
      for (const [name, value] of Object.entries(ctx.params as Record<string, string>)) {
        if (findNul(value) !== null) throw fail(KomunitinCode.BadRequest, `The path parameter ${name} must not contain the NUL character (U+0000).`);
      }
      const c = await deps.communities.getByCode(code);
      if (isCommunityError(c) || !isServed(c)) throw fail(KomunitinCode.NotFound, `No currency ${code} on this server.`);
      const r = await fn(ctx, c);
      ctx.status = r.status;
      ctx.body = r.body;
    } catch (err) {
      const e = err instanceof KomunitinError ? err : isUnavailable(err) ? unavailable(ctx, err) : null;
      if (!e) ctx.state.log.error({ err }, 'komunitin request failed');
      const k = e ?? new KomunitinError(KomunitinCode.InternalError, 'Internal error; the request id identifies it in the hub logs.');
      ctx.status = k.status;
      ctx.body = k.body();
    }
    ctx.type = MEDIA_TYPE;
  };

  const jsonBody = (ctx: AppContext): unknown => {
    if (!ctx.request.is(MEDIA_TYPE, 'application/json')) {
      throw new KomunitinError(KomunitinCode.BadRequest, `Send the body as JSON:API (Content-Type: ${MEDIA_TYPE}).`, undefined, 415);
    }
    return (ctx.request as unknown as { body: unknown }).body;
  };

  const answer = async (c: Community, t: KTransfer, status = 200, form?: MetaForm) =>
    ({ status, body: transferResource(deps.publicUrl(), c, await service.view(c, t), form) });

  router.get('/:code/currency', handle(async (_ctx, c) => ({ status: 200, body: currencyResource(deps.publicUrl(), c) })));

  router.get('/:code/accounts/:id', handle(async (ctx, c) => {
    const local = await resolveLocal(deps, c, ctx.params.id);
    if (!local) throw fail(KomunitinCode.NotFound, `No account ${ctx.params.id} in ${c.code}.`);
    return { status: 200, body: accountResource(deps.publicUrl(), c, local.id, local.code, local.account) };
  }));

  router.post('/:code/transfers', handle(async (ctx, c) => {
    const body = jsonBody(ctx);
    try {
      return await createTransfer(ctx, c, body);
    } catch (err) {
      // A peer's notify refused, of a payment perhaps on the ledger: kept, to record it from there.
      await deps.recovery.keep(c, body, err, ctx.get('authorization') || undefined);
      throw err;
    }
  }));

  const createTransfer = async (ctx: AppContext, c: Community, body: unknown) => {
    const doc = validate<TransferCreateDoc>(transferCreateDocument, body, 'transfer');
    const sub = await verifyBearer(ctx.get('authorization') || undefined);
    const { attributes: a, relationships: r } = doc.data;
    const payerHref = r.payer.data.meta?.href;
    const payeeHref = r.payee.data.meta?.href;
    if (!!payerHref === !!payeeHref) {
      throw fail(KomunitinCode.BadRequest, 'Exactly one of payer and payee must be external (meta: {external: true, href}).', '/data/relationships/payee/data/meta');
    }
    if (a.state !== 'committed') throw fail(KomunitinCode.BadRequest, 'External transfers must be created in state "committed".', '/data/attributes/state');
    const { description, form } = readMeta(a.meta);
    const localSide = payerHref ? 'payee' : 'payer';
    const local = await resolveLocal(deps, c, r[localSide].data.id);
    if (!local) throw fail(KomunitinCode.NotFound, `No account ${r[localSide].data.id} in ${c.code}.`, `/data/relationships/${localSide}/data/id`);
    const ours = sub === local.account.publicKey && !local.memberRef;
    /** What our member states: an integer at scale SCALE (a peer's may be unrounded). */
    const amount = () => {
      if (!Number.isInteger(a.amount)) throw fail(KomunitinCode.FieldValidationError, `The amount must be an integer (units scaled by 10^${SCALE}).`, '/data/attributes/amount');
      const v = fromWire(a.amount, SCALE);
      if (isAmountError(v)) throw fail(KomunitinCode.FieldValidationError, `The amount ${v}.`, '/data/attributes/amount');
      return v;
    };
    let t: KTransfer;
    if (payerHref) {
      t = ours
        ? await service.requestPayment(c, local, { id: doc.data.id, amount: amount(), description, href: payerHref }, `account:${local.code}`)
        : await service.receivePayment(c, local, { id: doc.data.id, amount: a.amount, description, href: payerHref, hash: a.hash, form }, sub);
    } else {
      t = ours
        ? await service.payOut(c, local, { id: doc.data.id, amount: amount(), description, href: payeeHref! }, `account:${local.code}`)
        : await service.receiveRequest(c, local, { id: doc.data.id, amount: a.amount, description, href: payeeHref!, form }, sub);
    }
    return answer(c, t, 201, form);
  };

  router.get('/:code/transfers/:id', handle(async (ctx, c) => {
    const sub = await verifyBearer(ctx.get('authorization') || undefined);
    const t = UUID.test(ctx.params.id) ? await store.get(c.id, ctx.params.id) : null;
    if (!t) throw fail(KomunitinCode.NotFound, `No transfer ${ctx.params.id} in ${c.code}.`);
    const local = await deps.accounts.getById(c.id, t.accountId);
    const remote = await deps.peers.known(t.peerCommunityId, t.remoteHref);
    const mine = (typeof local !== 'string' && local.publicKey === sub && !t.memberRef) || remote?.key === sub;
    if (!mine) throw fail(KomunitinCode.Forbidden, 'Only the payer and the payee may read a transfer.');
    return answer(c, t);
  }));

  router.patch('/:code/transfers/:id', handle(async (ctx, c) => {
    const doc = validate<TransferUpdateDoc>(transferUpdateDocument, jsonBody(ctx), 'transfer');
    const sub = await verifyBearer(ctx.get('authorization') || undefined);
    if (doc.data.id && doc.data.id.toLowerCase() !== ctx.params.id.toLowerCase()) throw fail(KomunitinCode.BadRequest, 'Route id does not match the resource id.', '/data/id');
    const t = UUID.test(ctx.params.id) ? await store.get(c.id, ctx.params.id) : null;
    if (!t || t.kind !== 'request') throw fail(KomunitinCode.NotFound, `No payment request ${ctx.params.id} in ${c.code}.`);
    const { state, hash } = doc.data.attributes;
    if (t.direction === 'outgoing') {
      // A request a peer made of one of our members: the member (its key) decides.
      const payer = await deps.accounts.getById(c.id, t.accountId);
      if (typeof payer === 'string' || payer.publicKey !== sub) throw fail(KomunitinCode.Forbidden, 'Only the payer may accept or reject this payment request.');
      if (state === 'failed') throw fail(KomunitinCode.BadRequest, 'A payment request is accepted (committed) or rejected.', '/data/attributes/state');
      return answer(c, await service.decide(c, t.id, state === 'committed' ? 'accept' : 'reject', `account:${payer.code}`));
    }
    return answer(c, await service.receiveUpdate(c, t.id, { state, hash }, sub));
  }));

  return router;
}
