import { isOneOf } from '../errors';

export enum CreditLineError {
  UnknownCommunity = 'unknown_community',
  UnknownPeer = 'unknown_peer',
  Self = 'credit_line_on_self',
  InvalidLimit = 'invalid_limit',
  BelowOutstanding = 'below_outstanding',
  RoundsToNothing = 'limit_rounds_to_nothing',
  NotReady = 'community_not_ready',
}

export const isCreditLineError = isOneOf(CreditLineError);

export const creditLineErrorInfo: Record<CreditLineError, { field: string; message: string }> = {
  [CreditLineError.UnknownCommunity]: { field: 'community', message: 'no community with this code' },
  [CreditLineError.UnknownPeer]: { field: 'peer', message: 'no community with this code to extend credit to' },
  [CreditLineError.Self]: { field: 'peer', message: 'a community cannot hold a credit line on itself' },
  [CreditLineError.InvalidLimit]: { field: 'limit', message: 'limit must be a non-negative amount with at most 7 decimals' },
  [CreditLineError.BelowOutstanding]: { field: 'limit', message: 'the limit is below what is already outstanding on this line; wait until it is paid back' },
  [CreditLineError.RoundsToNothing]: {
    field: 'limit',
    message: "at the community's rate this limit is less than 0.0000001 HOUR, the smallest amount the ledger holds; give a larger limit (or 0 to remove the line)",
  },
  [CreditLineError.NotReady]: { field: 'community', message: 'the community is still being set up on the ledger; try again shortly' },
};
