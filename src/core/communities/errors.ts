import { isOneOf } from '../errors';

export enum CommunityError {
  InvalidCode = 'invalid_code',
  InvalidName = 'invalid_name',
  InvalidKind = 'invalid_kind',
  DuplicateCode = 'duplicate_code',
  UnknownCommunity = 'unknown_community',
  InvalidRate = 'invalid_rate',
  InvalidSettings = 'invalid_settings',
  LineRoundsToNothing = 'line_rounds_to_nothing',
  LineBelowOutstanding = 'line_below_outstanding',
}

export const isCommunityError = isOneOf(CommunityError);

/** What each error means to the person who caused it, and the field at fault. */
export const communityErrorInfo: Record<CommunityError, { field: string; message: string }> = {
  [CommunityError.InvalidCode]: { field: 'code', message: 'code must be 4 characters, A–Z or 0–9 (e.g. "GRN1")' },
  [CommunityError.InvalidName]: { field: 'name', message: 'name must be 1 to 100 characters' },
  [CommunityError.InvalidKind]: { field: 'kind', message: 'kind must be hosted or an exchange kind one of the hub\'s protocols serves (peer communities are reached through their own server)' },
  [CommunityError.DuplicateCode]: { field: 'code', message: 'a community with this code already exists' },
  [CommunityError.UnknownCommunity]: { field: 'code', message: 'no community with this code' },
  [CommunityError.InvalidRate]: { field: 'rate', message: 'rate must be {n, d} with positive integers below 2^31 (value of one unit in HOUR = n/d)' },
  [CommunityError.LineRoundsToNothing]: {
    field: 'rate',
    message: 'at this rate a credit line the community grants would be worth less than 0.0000001 HOUR, so the ledger could not hold it; lower that line to 0 or raise it first',
  },
  [CommunityError.LineBelowOutstanding]: {
    field: 'rate',
    message: 'at this rate a credit line the community grants would be worth less in HOUR than it already carries; raise that line first (its limit is in the community\'s units) or wait until it is paid back',
  },
  [CommunityError.InvalidSettings]: { field: 'settings', message: 'settings amounts must be non-negative decimals with at most 7 decimals' },
};
