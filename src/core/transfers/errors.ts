import { isOneOf } from '../errors';
import { LedgerError } from '../ledger';

/** Why a transfer request is refused before anything is recorded. */
export enum TransferError {
  SameAccount = 'same_account',
  InvalidAmount = 'invalid_amount',
  IdempotencyConflict = 'idempotency_conflict',
  NotReady = 'community_not_ready',
  /** A text of the request (meta, key, what the delivery carries) holds U+0000, which the database cannot store. */
  InvalidText = 'invalid_text',
}

export const isTransferError = isOneOf(TransferError);

/** Every code a transfer can end with or be refused with, and what it tells the payer. */
export const transferErrorMessage: Record<TransferError | LedgerError, string> = {
  [TransferError.SameAccount]: 'payer and payee are the same account',
  [TransferError.InvalidAmount]: 'amount must be positive with at most 7 decimals',
  [TransferError.IdempotencyConflict]: 'this request id was already used for a different payment',
  [TransferError.NotReady]: 'a community of this payment is still being set up on the ledger; try again shortly',
  [TransferError.InvalidText]: 'a text of this payment (its description or reference) contains the NUL character (U+0000); remove it',
  [LedgerError.InsufficientBalance]: 'the payer has not enough balance or credit left',
  [LedgerError.CreditLineFull]: 'the credit line between these communities has no room for this amount now',
  [LedgerError.NoPath]: 'these communities do not trade with each other (no credit line connects them)',
  [LedgerError.PayeeFull]: 'the payee cannot receive this much (maximum balance reached)',
  [LedgerError.Blocked]: 'a community or account of this payment is blocked',
  [LedgerError.PriceMoved]: 'the exchange rate changed while paying; ask for a new quote',
  [LedgerError.BelowOutstanding]: 'the limit is below what is outstanding',
};
