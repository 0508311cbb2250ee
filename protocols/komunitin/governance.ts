/**
 * Governance of the Komunitin protocol: register a peer currency (so credit lines can
 * be set to it), pay a peer's account or ask it for a payment on a member's behalf,
 * see and decide payment requests peers sent, and set which requests are paid without
 * asking. Built by the protocol when it starts, over its own service, store and peers.
 */
import { formatAmount, isAmountError, parseAmount } from '../../src/core';
import { GovernanceDeps, HttpError, Operation, operation, requireAccount, requireCommunity } from '../../src/governance';
import { KomunitinError } from './errors';
import { PeerDirectory, ResolveError } from './peers';
import { KTransfer, TransferStore } from './requests';
import { KomunitinService } from './service';
import { currencyUrlOf, parseAccountUri } from './translate';
import * as S from './schemas/governance';

/** The running protocol, as its governance operations use it. */
export interface Komunitin {
  service: KomunitinService;
  store: TransferStore;
  peers: PeerDirectory;
}

/** Protocol errors as governance answers (the Komunitin code becomes the error code). */
async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KomunitinError) throw new HttpError(err.status === 500 ? 502 : err.status === 400 ? 422 : err.status, err.code, err.detail);
    if (err instanceof ResolveError) throw new HttpError(502, 'peer_unreachable', err.message, 'url');
    throw err;
  }
}

const view = (t: KTransfer, account: string) => ({
  id: t.id, direction: t.direction, kind: t.kind, state: t.state, account, remote: t.remoteHref, transfer: t.transferId,
  amount: formatAmount(t.amount), description: t.description, hash: t.hash, error: t.error, createdAt: t.createdAt.toISOString(),
});

const uriOf = (to: string): string => {
  const p = parseAccountUri(to);
  if (!p) throw new HttpError(400, 'invalid_request', 'to: expected an account URI https://server/CODE/accounts/ID or a pay link https://komunitin.org/pay?t=…', 'to');
  return p.href;
};

export function komunitinOperations(deps: GovernanceDeps, k: Komunitin): Operation[] {
  return [
    operation({
      id: 'registerKomunitinPeer', method: 'post', path: '/komunitin/peers', tag: 'komunitin',
      access: { right: 'write', scope: 'hub' },
      summary: 'Register a peer Komunitin currency as a community of this hub (then set credit lines to it)',
      body: S.RegisterKomunitinPeer,
      responses: { 200: { description: 'the peer community', schema: S.KomunitinPeer } },
      errors: [400, 401, 502, 503],
      async handle({ body }) {
        const url = /\/accounts\/[^/]+$/.test(new URL(body.url).pathname) ? currencyUrlOf(body.url) : body.url.replace(/\/+$/, '');
        if (!/\/[A-Z0-9]{4}\/currency$/.test(new URL(url).pathname)) throw new HttpError(400, 'invalid_request', 'url: expected https://server/CODE/currency or an account URL', 'url');
        const p = await run(() => k.peers.currency(url));
        return { status: 200, body: { code: p.community.code, assetCode: p.code, url: p.url, scale: p.scale, rate: { n: p.community.rateN, d: p.community.rateD } } };
      },
    }),
    operation({
      id: 'payKomunitinAccount', method: 'post', path: '/communities/{code}/komunitin/payments', tag: 'komunitin',
      access: { right: 'write', community: { param: 'code' }, touches: ['peers'] },
      summary: 'A member pays an account of a peer Komunitin server (settled, then notified to the peer)',
      body: S.CreateKomunitinTransfer,
      responses: { 201: { description: 'the payment', schema: S.KomunitinTransfer } },
      errors: [400, 401, 404, 422, 502, 503],
      async handle({ params, body, actor }) {
        const c = await requireCommunity(deps, params.code);
        const a = await requireAccount(deps, c, body.account);
        const amount = parseAmount(body.amount);
        if (isAmountError(amount)) throw new HttpError(400, 'invalid_request', 'amount must be positive', 'amount');
        const t = await run(() => k.service.payOut(c, { id: a.id, code: a.code, account: a }, { id: body.id, amount, description: body.description ?? '', href: uriOf(body.to) }, actor));
        return { status: 201, body: view({ ...t, state: (await k.service.view(c, t)).state as KTransfer['state'] }, a.code) };
      },
    }),
    operation({
      id: 'requestKomunitinPayment', method: 'post', path: '/communities/{code}/komunitin/requests', tag: 'komunitin',
      access: { right: 'write', community: { param: 'code' }, touches: ['peers'] },
      summary: 'A member asks an account of a peer Komunitin server for a payment',
      body: S.CreateKomunitinTransfer,
      responses: { 201: { description: 'the request (pending, or committed if the peer paid at once)', schema: S.KomunitinTransfer } },
      errors: [400, 401, 404, 422, 502, 503],
      async handle({ params, body, actor }) {
        const c = await requireCommunity(deps, params.code);
        const a = await requireAccount(deps, c, body.account);
        const amount = parseAmount(body.amount);
        if (isAmountError(amount)) throw new HttpError(400, 'invalid_request', 'amount must be positive', 'amount');
        const t = await run(() => k.service.requestPayment(c, { id: a.id, code: a.code, account: a }, { id: body.id, amount, description: body.description ?? '', href: uriOf(body.to) }, actor));
        return { status: 201, body: view(t, a.code) };
      },
    }),
    operation({
      id: 'listKomunitinRequests', method: 'get', path: '/communities/{code}/komunitin/requests', tag: 'komunitin',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'Payment requests of the community\'s members, both ways (filter by state, e.g. pending)',
      query: S.KomunitinRequestQuery,
      responses: { 200: { description: 'the requests', schema: S.KomunitinTransferList } },
      errors: [400, 401, 404, 503],
      async handle({ params, query }) {
        const c = await requireCommunity(deps, params.code);
        const rows = await k.store.list(c.id, { kind: 'request', ...(query.state ? { state: query.state } : {}) });
        const codes = new Map((await deps.accounts.list(c)).map((a) => [a.id, a.code]));
        return { status: 200, body: { transfers: rows.map((t) => view(t, codes.get(t.accountId) ?? t.accountId)) } };
      },
    }),
    ...(['accept', 'reject'] as const).map((decision) => operation({
      id: `${decision}KomunitinRequest`, method: 'post', path: `/communities/{code}/komunitin/requests/{id}/${decision}`, tag: 'komunitin',
      access: { right: 'write', community: { param: 'code' }, touches: ['peers'] },
      summary: decision === 'accept' ? 'Pay a pending payment request from a peer (the peer is told)' : 'Refuse a pending payment request from a peer (the peer is told)',
      responses: { 200: { description: 'the request as it now stands', schema: S.KomunitinTransfer } },
      errors: [401, 404, 422, 502, 503],
      async handle({ params, actor }) {
        const c = await requireCommunity(deps, params.code);
        const t = await run(() => k.service.decide(c, params.id, decision, actor));
        return { status: 200, body: view(t, t.accountId) };
      },
    })),
    operation({
      id: 'setKomunitinPolicy', method: 'put', path: '/communities/{code}/komunitin/policy', tag: 'komunitin',
      access: { right: 'write', community: { param: 'code' } },
      summary: 'Which payment requests from peers the community pays without asking',
      body: S.KomunitinPolicy,
      responses: { 200: { description: 'the policy', schema: S.KomunitinPolicy } },
      errors: [400, 401, 404, 503],
      async handle({ params, body }) {
        const c = await requireCommunity(deps, params.code);
        return { status: 200, body: await k.store.setPolicy(c.id, { acceptRequests: body.acceptRequests, whitelist: body.whitelist ?? [] }) };
      },
    }),
  ];
}
