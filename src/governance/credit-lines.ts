/**
 * Credit lines: community {code} accepts up to `limit` (its own units) of {peer}'s HOUR.
 * The two directions are independent lines, each set by its own community: the other
 * side may read a line granted to it, never change it.
 */
import { formatAmount } from '../core/amounts';
import { isCommunityError } from '../core/communities/errors';
import { inUnits } from '../core/credit-lines/trade-limits';
import { unconfined } from '../db/confine';
import { CreditLineError, isCreditLineError } from '../core/credit-lines/errors';
import { HttpError } from '../http/errors';
import { creditLineFailure } from './errors';
import { requireCommunity } from './lookup';
import { GovernanceDeps, Operation, operation } from './operation';
import * as S from './schemas/credit-lines';
import { creditLineView } from './views';
import { Community } from '../core/communities/model';

async function requirePeer(deps: GovernanceDeps, code: string): Promise<Community> {
  const p = await deps.communities.getByCode(code);
  if (isCommunityError(p)) throw creditLineFailure(CreditLineError.UnknownPeer);
  return p;
}

export function creditLineOperations(deps: GovernanceDeps): Operation[] {
  return [
    operation({
      id: 'listCreditLines', method: 'get', path: '/communities/{code}/credit-lines', tag: 'credit lines',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'The lines a community extends, with what is outstanding on each',
      responses: { 200: { description: 'the credit lines', schema: S.CreditLineList } },
      errors: [401, 404, 503],
      async handle({ params }) {
        const c = await requireCommunity(deps, params.code);
        const lines = await deps.creditLines.list(c);
        const views = await Promise.all(lines.map(async (l) => {
          const peer = await deps.communities.getById(l.peerId);
          if (isCommunityError(peer)) throw new Error(`credit line of ${c.code} names unknown community ${l.peerId}`);
          return creditLineView(c, peer, l.limit, await deps.creditLines.usage(c, peer));
        }));
        return { status: 200, body: { creditLines: views } };
      },
    }),
    operation({
      id: 'getCreditLine', method: 'get', path: '/communities/{code}/credit-lines/{peer}', tag: 'credit lines',
      access: { right: 'read', community: { param: 'code' }, or: { param: 'peer' } },
      summary: 'The line {code} extends to {peer}, with what is outstanding on it; both sides may read it, only {code} sets it',
      responses: { 200: { description: 'the credit line', schema: S.CreditLine } },
      errors: [401, 404, 503],
      async handle({ params }) {
        const c = await requireCommunity(deps, params.code);
        const peer = await requirePeer(deps, params.peer);
        const line = (await deps.creditLines.list(c)).find((l) => l.peerId === peer.id);
        if (!line) throw new HttpError(404, 'unknown_credit_line', `${c.code} extends no credit line to ${peer.code}`, 'peer');
        return { status: 200, body: creditLineView(c, peer, line.limit, await deps.creditLines.usage(c, peer)) };
      },
    }),
    operation({
      id: 'setCreditLine', method: 'put', path: '/communities/{code}/credit-lines/{peer}', tag: 'credit lines',
      access: { right: 'write', community: { param: 'code' }, touches: [{ param: 'peer' }] },
      summary: 'Open, raise or lower the line {code} extends to {peer} ("0" removes it)',
      description: 'Lowering below what is outstanding is refused (422 below_outstanding).',
      body: S.SetCreditLine,
      responses: { 200: { description: 'the line as it now stands', schema: S.CreditLine } },
      errors: [400, 401, 404, 409, 422, 503],
      async handle({ params, body, actor }) {
        const c = await requireCommunity(deps, params.code);
        const peer = await requirePeer(deps, params.peer);
        const r = await deps.creditLines.set(c, peer, body.limit, actor);
        if (isCreditLineError(r)) throw creditLineFailure(r);
        return { status: 200, body: creditLineView(c, peer, r?.limit ?? 0n, await deps.creditLines.usage(c, peer)) };
      },
    }),
    operation({
      id: 'removeCreditLine', method: 'delete', path: '/communities/{code}/credit-lines/{peer}', tag: 'credit lines',
      access: { right: 'write', community: { param: 'code' }, touches: [{ param: 'peer' }] },
      summary: 'Close the line {code} extends to {peer}; refused while anything is outstanding on it',
      responses: { 204: { description: 'removed' } },
      errors: [401, 404, 409, 422, 503],
      async handle({ params, actor }) {
        const c = await requireCommunity(deps, params.code);
        const peer = await requirePeer(deps, params.peer);
        const lines = await deps.creditLines.list(c);
        if (!lines.some((l) => l.peerId === peer.id)) {
          throw new HttpError(404, 'unknown_credit_line', `${c.code} extends no credit line to ${peer.code}`, 'peer');
        }
        const r = await deps.creditLines.set(c, peer, '0', actor);
        if (isCreditLineError(r)) throw creditLineFailure(r);
        return { status: 204 };
      },
    }),
    operation({
      id: 'getTradeLimits', method: 'get', path: '/communities/{code}/trade-limits', tag: 'credit lines',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'How far the community can still go into surplus and deficit with each other community, derived from the lines both ways',
      description: 'Direct lines only; a ripple through a third community adds to these, within that one\'s limits.',
      responses: { 200: { description: 'its effective trade limits', schema: S.TradeLimits } },
      errors: [401, 403, 404, 503],
      async handle({ params }) {
        const c = await requireCommunity(deps, params.code);
        // The peers' lines to it are read too (what it may buy): the rows of other communities, read without any right there.
        const t = await unconfined(async () => deps.creditLines.tradeLimits(c, await deps.communities.list()));
        const both = (hour: bigint) => ({ hour: formatAmount(hour), units: formatAmount(inUnits(hour, c)) });
        return {
          status: 200,
          body: {
            community: c.code, surplus: both(t.surplus), deficit: both(t.deficit),
            pairs: t.pairs.map((p) => ({ peer: p.peer.code, surplus: both(p.surplus), deficit: both(p.deficit) })),
          },
        };
      },
    }),
  ];
}
