/**
 * Komunitin's error answers: a JSON:API document `{errors: [{status, code, title,
 * detail}]}` with Komunitin's own codes (accounting/src/utils/error.ts), plus
 * `source.pointer` naming the member of the request at fault. Core errors map here.
 */
import { LedgerError, TransferError } from '../../src/core';

export enum KomunitinCode {
  BadRequest = 'BadRequest',
  FieldValidationError = 'FieldValidationError',
  Unauthorized = 'Unauthorized',
  Forbidden = 'Forbidden',
  NotFound = 'NotFound',
  TransactionError = 'TransactionError',
  InsufficientBalance = 'InsufficientBalance',
  InsufficientMaximumBalance = 'InsufficientMaximumBalance',
  NoTrustPath = 'NoTrustPath',
  InternalError = 'InternalError',
  /** The hub's own: an outage (its database, the Stellar network); repeat the same request after Retry-After. */
  ServiceUnavailable = 'ServiceUnavailable',
}

const DEFINITIONS: Record<KomunitinCode, [number, string]> = {
  [KomunitinCode.BadRequest]: [400, 'Bad Request'],
  [KomunitinCode.FieldValidationError]: [400, 'Field validation Error'],
  [KomunitinCode.Unauthorized]: [401, 'Unauthorized'],
  [KomunitinCode.Forbidden]: [403, 'Forbidden'],
  [KomunitinCode.NotFound]: [404, 'Not Found'],
  [KomunitinCode.TransactionError]: [400, 'Transaction Error'],
  [KomunitinCode.InsufficientBalance]: [400, 'Insufficient Balance'],
  [KomunitinCode.InsufficientMaximumBalance]: [400, 'Insufficient Maximum Balance'],
  [KomunitinCode.NoTrustPath]: [400, 'No trust path between currencies'],
  [KomunitinCode.InternalError]: [500, 'Internal Error'],
  [KomunitinCode.ServiceUnavailable]: [503, 'Service Unavailable'],
};

export class KomunitinError extends Error {
  constructor(readonly code: KomunitinCode, readonly detail: string, readonly pointer?: string, readonly statusOverride?: number) {
    super(detail);
    this.name = 'KomunitinError';
  }

  get status(): number {
    return this.statusOverride ?? DEFINITIONS[this.code][0];
  }

  body() {
    return {
      errors: [{
        status: String(this.status),
        code: this.code,
        title: DEFINITIONS[this.code][1],
        detail: this.detail,
        ...(this.pointer ? { source: { pointer: this.pointer } } : {}),
      }],
    };
  }
}

export const fail = (code: KomunitinCode, detail: string, pointer?: string): KomunitinError => new KomunitinError(code, detail, pointer);

/**
 * A refusal that rests on what the ledger says of the transaction (it pays someone
 * else, in another asset, from another payer, another amount), not on the document: a
 * payment refused so is not one to record later from the ledger (recovery.ts).
 */
export class LedgerVerdict extends KomunitinError {}

export const verdict = (code: KomunitinCode, detail: string, pointer?: string): KomunitinError => new LedgerVerdict(code, detail, pointer);

/** Why the ledger or the core refused a payment, in Komunitin's words. */
export function paymentFailure(e: LedgerError | TransferError | string, message: string, pointer?: string): KomunitinError {
  switch (e) {
    case LedgerError.InsufficientBalance: return fail(KomunitinCode.InsufficientBalance, message, pointer ?? '/data/attributes/amount');
    case LedgerError.CreditLineFull:
    case LedgerError.NoPath: return fail(KomunitinCode.NoTrustPath, message, pointer ?? '/data/relationships/payee');
    case LedgerError.PayeeFull: return fail(KomunitinCode.InsufficientMaximumBalance, message, pointer ?? '/data/attributes/amount');
    case LedgerError.Blocked: return fail(KomunitinCode.Forbidden, message);
    case TransferError.IdempotencyConflict: return new KomunitinError(KomunitinCode.BadRequest, message, '/data/id', 409);
    case TransferError.InvalidAmount: return fail(KomunitinCode.FieldValidationError, message, '/data/attributes/amount');
    case TransferError.InvalidText: return fail(KomunitinCode.FieldValidationError, message, '/data/attributes/meta');
    default: return fail(KomunitinCode.TransactionError, message);
  }
}
