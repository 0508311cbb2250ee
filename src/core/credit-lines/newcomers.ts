/**
 * A default path for newcomers: when the operator names a hub community (e.g. a
 * network-wide HOUR clearing community, NEWCOMER_COMMUNITY), every community created
 * after it gets reciprocal credit lines with it at NEWCOMER_CREDIT_LINE HOUR, so it can
 * trade with every other community at once, rippling through it. The lines are ordinary
 * lines: each side's governing body may change or remove its own later.
 */
import { formatAmount, fromHour } from '../amounts';
import { isCommunityError } from '../communities/errors';
import { Community, PEER } from '../communities/model';
import { isCreditLineError } from './errors';
import { CreditLineService } from './service';

export interface NewcomerPath {
  /** Code of the community every newcomer is linked to. */
  community: string;
  /** Each line's limit, HOUR stroops (converted to each side's units). */
  limitHour: bigint;
}

export const ACTOR = 'hub (NEWCOMER_COMMUNITY)';

export function createNewcomerWelcome(deps: {
  path: NewcomerPath | null;
  creditLines: CreditLineService;
  getByCode(code: string): Promise<Community | unknown>;
  warn(msg: string, detail: Record<string, unknown>): void;
}) {
  return async (c: Community): Promise<void> => {
    const path = deps.path;
    if (!path || c.code === path.community || c.kind === PEER || c.ledgerStatus !== 'ready') return;
    const hub = await deps.getByCode(path.community);
    if (isCommunityError(hub) || !(hub instanceof Object) || (hub as Community).ledgerStatus !== 'ready') {
      deps.warn('NEWCOMER_COMMUNITY names no community ready on the ledger: the newcomer gets no default lines', { community: path.community, newcomer: c.code });
      return;
    }
    const h = hub as Community;
    const units = (x: Community) => formatAmount(fromHour(path.limitHour, { n: x.rateN, d: x.rateD }, 'down'));
    // The newcomer accepts the hub community's HOUR, and the hub community the newcomer's.
    for (const [truster, peer] of [[c, h], [h, c]] as const) {
      const r = await deps.creditLines.set(truster, peer, units(truster), ACTOR);
      if (isCreditLineError(r)) deps.warn('a default credit line for a newcomer was refused', { truster: truster.code, peer: peer.code, error: r });
    }
  };
}

