/**
 * Core errors as governance API answers: the core's code, message and field, with the
 * status that fits (400 malformed, 404 unknown, 409 conflict, 422 refused by the rules).
 * One table per domain, because codes repeat across domains with different fields.
 */
import { AccountError, accountErrorInfo } from '../core/accounts/errors';
import { CommunityError, communityErrorInfo } from '../core/communities/errors';
import { CreditLineError, creditLineErrorInfo } from '../core/credit-lines/errors';
import { TransferError, transferErrorMessage } from '../core/transfers/errors';
import { HttpError } from '../http/errors';

const communityStatus: Record<CommunityError, number> = {
  [CommunityError.InvalidCode]: 400,
  [CommunityError.InvalidName]: 400,
  [CommunityError.InvalidKind]: 400,
  [CommunityError.InvalidRate]: 400,
  [CommunityError.InvalidSettings]: 400,
  [CommunityError.LineRoundsToNothing]: 422,
  [CommunityError.LineBelowOutstanding]: 422,
  [CommunityError.DuplicateCode]: 409,
  [CommunityError.UnknownCommunity]: 404,
};

const accountStatus: Record<AccountError, number> = {
  [AccountError.InvalidCode]: 400,
  [AccountError.InvalidCreditLimit]: 400,
  [AccountError.InvalidMaxBalance]: 400,
  [AccountError.UnknownCommunity]: 404,
  [AccountError.UnknownAccount]: 404,
  [AccountError.DuplicateCode]: 409,
  [AccountError.InsufficientBalance]: 422,
};

const creditLineStatus: Record<CreditLineError, number> = {
  [CreditLineError.InvalidLimit]: 400,
  [CreditLineError.UnknownCommunity]: 404,
  [CreditLineError.UnknownPeer]: 404,
  [CreditLineError.NotReady]: 409,
  [CreditLineError.Self]: 422,
  [CreditLineError.BelowOutstanding]: 422,
  [CreditLineError.RoundsToNothing]: 422,
};

const transferStatus: Record<TransferError, { status: number; field?: string }> = {
  [TransferError.InvalidAmount]: { status: 400, field: 'amount' },
  [TransferError.IdempotencyConflict]: { status: 409, field: 'Idempotency-Key' },
  [TransferError.NotReady]: { status: 409 },
  [TransferError.SameAccount]: { status: 422, field: 'payee' },
  [TransferError.InvalidText]: { status: 400, field: 'meta' },
};

/** `field` overrides the core's field where the request names it differently (a path parameter, "payer"). */
export function communityFailure(e: CommunityError, field?: string): HttpError {
  return new HttpError(communityStatus[e], e, communityErrorInfo[e].message, field ?? communityErrorInfo[e].field);
}

export function accountFailure(e: AccountError, field?: string): HttpError {
  return new HttpError(accountStatus[e], e, accountErrorInfo[e].message, field ?? accountErrorInfo[e].field);
}

export function creditLineFailure(e: CreditLineError): HttpError {
  return new HttpError(creditLineStatus[e], e, creditLineErrorInfo[e].message, creditLineErrorInfo[e].field);
}

export function transferFailure(e: TransferError): HttpError {
  const s = transferStatus[e];
  return new HttpError(s.status, e, transferErrorMessage[e], s.field);
}
