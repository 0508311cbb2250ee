/**
 * What allowTrust and setTrustLineFlags share, after stellar-core's
 * TrustFlagsOpFrameBase: revocation rules, the trustline lookup, and removing the
 * trustor's offers in the asset when it loses even maintain-liabilities authorization.
 */
import {
  AUTH_REVOCABLE_FLAG, AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, AccountId, AssetKey,
  TrustLineEntry,
} from '../state/entries';
import { isAuthorizedToMaintainLiabilities } from '../state/balances';
import { eraseOffer, releaseLiabilities } from '../offers';
import { OpContext } from './types';

export const TRUSTLINE_AUTH_FLAGS = AUTHORIZED_FLAG | AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG;

export type TrustFlagsFailure = 'cantRevoke' | 'noTrustLine' | 'invalidState';

export interface TrustFlagsRules {
  /** isAuthRevocationValid: checked before the trustline is loaded. */
  revocationAllowed(issuerRevocable: boolean): boolean;
  /** calcExpectedFlagValue: null when the resulting state is invalid. */
  expectedFlags(line: TrustLineEntry): number | null;
  /** isRevocationToMaintainLiabilitiesValid (AllowTrust's second check). */
  maintainRevocationAllowed(issuerRevocable: boolean, line: TrustLineEntry, flags: number): boolean;
}

export interface TrustFlagsChange {
  readonly before: number;
  readonly after: number;
}

/** doApply of TrustFlagsOpFrameBase; the self check is each op's doCheckValid. */
export function applyTrustFlags(
  ctx: OpContext, trustorId: AccountId, asset: AssetKey, rules: TrustFlagsRules,
): TrustFlagsFailure | TrustFlagsChange {
  const { state, header } = ctx;
  const issuer = state.getAccount(ctx.sourceId)!;
  const revocable = (issuer.flags & AUTH_REVOCABLE_FLAG) !== 0;
  if (!rules.revocationAllowed(revocable)) return 'cantRevoke';

  const line = state.getTrustLine(trustorId, asset);
  if (!line) return 'noTrustLine';
  const flags = rules.expectedFlags(line);
  if (flags === null) return 'invalidState';
  if (!rules.maintainRevocationAllowed(revocable, line, flags)) return 'cantRevoke';

  const removeOffers = isAuthorizedToMaintainLiabilities(line) && (flags & TRUSTLINE_AUTH_FLAGS) === 0;
  if (removeOffers) {
    for (const offer of state.offersOf(trustorId)) {
      if (offer.selling !== asset && offer.buying !== asset) continue;
      releaseLiabilities(state, header.baseReserve, offer);
      eraseOffer(state, offer);
    }
  }
  state.putTrustLine({ ...state.getTrustLine(trustorId, asset)!, flags });
  return { before: line.flags, after: flags };
}

/** Horizon's trustline_flags_updated details: each changed flag as set (true) or cleared (false). */
export function flagEffectDetails(set: number, clear: number): Record<string, boolean> {
  const d: Record<string, boolean> = {};
  const put = (bit: number, name: string): void => {
    if (set & bit) d[name] = true;
    else if (clear & bit) d[name] = false;
  };
  put(AUTHORIZED_FLAG, 'authorized_flag');
  // Horizon's own spelling.
  put(AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, 'authorized_to_maintain_liabilites_flag');
  put(4, 'clawback_enabled_flag');
  return d;
}
