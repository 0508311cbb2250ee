/**
 * Manual and demo payments by operators and by the payer's governing body: the same durable transfer as any protocol's,
 * keyed by the operator's Idempotency-Key so a retried request never pays twice.
 */
import { parseAmount } from '../core/amounts';
import { isCommunityError } from '../core/communities/errors';
import { isAccountError } from '../core/accounts/errors';
import { isTransferError } from '../core/transfers/errors';
import { Transfer, TransferState } from '../core/transfers/model';
import { HttpError } from '../http/errors';
import { extendReach } from '../db/confine';
import { transferFailure } from './errors';
import { requireCommunity, requireParty } from './lookup';
import { GovernanceDeps, Operation, operation } from './operation';
import * as S from './schemas/transfers';
import { transferView } from './views';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
/** Recorded, not yet paid or refused: the ledger did not answer in time. */
const UNFINISHED: TransferState[] = ['new', 'quoted', 'submitted'];
const STATES: TransferState[] = ['new', 'quoted', 'submitted', 'settled', 'delivered', 'rejected', 'failed', 'compensated', 'disputed'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function transferOperations(deps: GovernanceDeps): Operation[] {
  /** "CODE/ACCOUNT" of a party named by ids in a transfer row. */
  const ref = async (communityId: string, accountId: string): Promise<string> => {
    const c = await deps.communities.getById(communityId);
    if (isCommunityError(c)) return `?/${accountId}`;
    const a = await deps.accounts.getById(communityId, accountId);
    return `${c.code}/${isAccountError(a) ? '?' : a.code}`;
  };
  const view = async (t: Transfer, withDeliveries = false) =>
    transferView(t, await ref(t.communityId, t.payerAccountId), await ref(t.payeeCommunityId, t.payeeAccountId),
      withDeliveries ? await deps.deliveries.forTransfer(t.communityId, t.id) : undefined);

  return [
    operation({
      id: 'createTransfer', method: 'post', path: '/transfers', tag: 'transfers',
      access: { right: 'write', community: { body: 'payer' }, touches: [{ body: 'payee' }] },
      summary: 'Pay from one account to another, in the same community or across credit lines',
      description: 'Answers with the transfer in its state: settled, or rejected with errorCode and errorMessage '
        + '(credit line full, insufficient balance, no path, blocked, …). Repeating a request with the same '
        + 'Idempotency-Key returns the first transfer (200) and never pays twice. A payment the Stellar network '
        + 'has not made final within TRANSFER_WAIT_MS (the network slow or down) is answered 202 with the transfer '
        + 'still new or submitted: it is recorded and goes on; repeat the same request (same Idempotency-Key) after '
        + 'Retry-After, or read the transfer, to learn its outcome.',
      body: S.CreateTransfer,
      headers: [{ name: 'Idempotency-Key', required: true, description: '1 to 200 printable characters, unique per payment (e.g. a UUID)' }],
      responses: {
        201: { description: 'the transfer, settled or rejected', schema: S.Transfer },
        200: { description: 'the transfer an earlier request with this Idempotency-Key created, final', schema: S.Transfer },
        202: { description: 'the transfer, recorded but not final yet (state new or submitted): the ledger is slow or down; repeat after Retry-After', schema: S.Transfer },
      },
      errors: [400, 401, 404, 409, 422, 503],
      async handle({ body, actor, header }) {
        const key = header('idempotency-key');
        if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
          throw new HttpError(400, 'invalid_request', 'the Idempotency-Key header is required: 1 to 200 printable characters, unique per payment (e.g. a UUID)', 'Idempotency-Key');
        }
        const payer = await requireParty(deps, body.payer, 'payer');
        const payee = await requireParty(deps, body.payee, 'payee');
        // Scoped by actor: two operators cannot collide on each other's keys.
        const idempotencyKey = `governance|${actor}|${key}`;
        const earlier = await deps.transfers.findByKey(payer.community.id, idempotencyKey);
        const t = await deps.transfers.settle({ idempotencyKey, payer, payee, amount: parseAmount(body.amount) as bigint, meta: body.meta });
        if (isTransferError(t)) throw transferFailure(t);
        if (UNFINISHED.includes(t.state)) return { status: 202, body: await view(t), headers: { 'Retry-After': '5' } };
        return { status: earlier ? 200 : 201, body: await view(t) };
      },
    }),
    operation({
      id: 'getTransfer', method: 'get', path: '/communities/{code}/transfers/{id}', tag: 'transfers',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'A transfer, seen from the payer\'s or the payee\'s community, with its deliveries to the other side',
      responses: { 200: { description: 'the transfer', schema: S.Transfer } },
      errors: [401, 404, 503],
      async handle({ params }) {
        const c = await requireCommunity(deps, params.code);
        const t = UUID.test(params.id) ? await deps.transfers.get(c.id, params.id) : null;
        if (!t) throw new HttpError(404, 'unknown_transfer', `no transfer ${params.id} paid by or to ${c.code}`, 'id');
        // Found in c's scope, so c pays or is paid: the other side's account codes are c's to see.
        extendReach(t.communityId);
        extendReach(t.payeeCommunityId);
        return { status: 200, body: await view(t, true) };
      },
    }),
    operation({
      id: 'listTransfers', method: 'get', path: '/communities/{code}/transfers', tag: 'transfers',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'The transfers paid by or to the community, newest first, filtered by state, protocol and date, a page at a time',
      description: 'Each transfer comes with its protocol, its Stellar transaction hash and its deliveries to the other side.',
      query: S.TransferQuery,
      responses: { 200: { description: 'one page of transfers', schema: S.TransferPage } },
      errors: [400, 401, 404, 503],
      async handle({ params, query }) {
        const c = await requireCommunity(deps, params.code);
        const states = query.state?.split(',') as TransferState[] | undefined;
        const known = new Set<string>(STATES);
        const unknown = states?.find((s) => !known.has(s));
        if (unknown) throw new HttpError(400, 'invalid_request', `state ${unknown} is none of ${[...known].join(', ')}`, 'state');
        const page = query.page ?? 1;
        const limit = query.limit ?? 50;
        const rows = await deps.transfers.list(c.id, {
          states, protocol: query.protocol, from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined,
          limit: limit + 1, offset: (page - 1) * limit,
        });
        // Found in c's scope: each is paid by or to c, so both sides' codes are c's to see.
        for (const t of rows) {
          extendReach(t.communityId);
          extendReach(t.payeeCommunityId);
        }
        const transfers = [];
        for (const t of rows.slice(0, limit)) transfers.push(await view(t, true));
        return { status: 200, body: { transfers, page, limit, hasMore: rows.length > limit } };
      },
    }),
  ];
}
