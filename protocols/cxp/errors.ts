/**
 * CXP's numbered error codes, their message templates (@-words are replaced from
 * `args`), the HTTP status each one is answered with, and how core refusals become
 * them. One table, so the docs, the routes and the tests cannot disagree.
 */
import { LedgerError, TransferError } from '../../src/core';

export const CXP_CODES = {
  4: { status: 422, message: 'Transaction would exceed limits on server.' },
  5: { status: 500, message: 'Problem saving transaction on server: "@message"' },
  6: { status: 422, message: 'Unknown account & failed to create a new account on intertrading server.' },
  7: { status: 409, message: 'Diagnostics from server: "@message"' },
  8: { status: 400, message: 'Invalid transaction field: @field: @value' },
  11: { status: 400, message: 'Missing config field: @fieldname' },
  12: { status: 400, message: 'Field @fieldname should be @rel 0: @value' },
  13: { status: 400, message: 'Field @fieldname contains invalid characters.' },
  14: { status: 422, message: 'Your Intertrading ratio (balance/volume) exceeds @num%: @balance / @volume' },
  15: { status: 400, message: 'Type error in field @fieldname. Should be a @type.' },
  16: { status: 403, message: 'Your exchange is not permitted on this network.' },
  17: { status: 401, message: 'Wrong key.' },
  18: { status: 401, message: 'Not enough data to authenticate.' },
  20: { status: 502, message: 'Server failed to authenticate with remote client.' },
  24: { status: 422, message: 'Transaction would exceed remote client\'s account limits.' },
  25: { status: 422, message: 'Misc validation error on remote client: @message' },
  26: { status: 404, message: 'Server not found: @server' },
  27: { status: 502, message: '@message' },
  28: { status: 422, message: 'Unknown account on remote client: @account' },
} as const;

export type CxpCode = keyof typeof CXP_CODES;
export type CxpArgs = Record<string, string>;

/** The wire form of every error answer: the spec's {code, args}, plus the text for people. */
export interface CxpErrorBody {
  code: CxpCode;
  args: CxpArgs;
  message: string;
}

export function render(code: CxpCode, args: CxpArgs): string {
  return CXP_CODES[code].message.replace(/@\w+/g, (w) => args[w] ?? w);
}

/** A refusal on its way to the caller; routes catch it and answer in CXP's format. */
export class CxpFailure extends Error {
  readonly status: number;
  /** `status` only where the docs give a code another HTTP status than the table's (tooLarge). */
  constructor(readonly code: CxpCode, readonly args: CxpArgs = {}, readonly headers: Record<string, string> = {}, status?: number) {
    super(render(code, args));
    this.name = 'CxpFailure';
    this.status = status ?? CXP_CODES[code].status;
  }

  body(): CxpErrorBody {
    return { code: this.code, args: this.args, message: this.message };
  }
}

export const isCxpCode = (n: unknown): n is CxpCode => typeof n === 'number' && Object.prototype.hasOwnProperty.call(CXP_CODES, n);

/** Shorthands for the field errors, with the spec's argument names. */
export const invalidField = (field: string, value: unknown) =>
  new CxpFailure(8, { '@field': field, '@value': shortValue(value) });
export const missingField = (field: string) => new CxpFailure(11, { '@fieldname': field });
/** A body over BODY_LIMIT: 413 with code 8 naming `body`, whether CXP or the shared body parser read it. */
export const tooLarge = () => new CxpFailure(8, { '@field': 'body', '@value': 'larger than the hub accepts' }, {}, 413);
export const typeError = (field: string, type: string) => new CxpFailure(15, { '@fieldname': field, '@type': type });
export const pending = (message: string) => new CxpFailure(7, { '@message': message }, { 'Retry-After': '5' });
/** An outage of the hub (its database, the Stellar network): CXP's "try again" (7), as 503 with Retry-After. */
export const unavailable = (message: string, retryAfterSec: number) =>
  new CxpFailure(7, { '@message': message }, { 'Retry-After': String(retryAfterSec) }, 503);

export function shortValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

/**
 * A transfer the core refused or rejected, as CXP sees it. `payerOwn`: the refusal is
 * about the caller's own exchange (blocked → 16), not the far side.
 */
export function transferFailure(e: TransferError | LedgerError | string, opts: { payerBlocked: boolean; detail?: string }): CxpFailure {
  switch (e) {
    case LedgerError.InsufficientBalance:
    case LedgerError.CreditLineFull:
    case LedgerError.NoPath:
      return new CxpFailure(4);
    case LedgerError.PayeeFull:
      return new CxpFailure(24);
    case LedgerError.Blocked:
      return opts.payerBlocked ? new CxpFailure(16) : new CxpFailure(25, { '@message': 'the payee\'s community or account is blocked' });
    case TransferError.SameAccount:
      return new CxpFailure(8, { '@field': 'dest_url', '@value': 'the payer\'s own exchange' });
    case TransferError.InvalidAmount:
      return new CxpFailure(12, { '@fieldname': 'quantity', '@rel': '>', '@value': opts.detail ?? '0' });
    case TransferError.IdempotencyConflict:
      return new CxpFailure(8, { '@field': 'temp_id', '@value': 'already used for a different transaction' });
    case TransferError.NotReady:
      return pending('a community of this transaction is still being set up; repeat in a few seconds');
    case LedgerError.PriceMoved:
      return new CxpFailure(5, { '@message': 'the exchange rate moved while paying; try again with a new temp_id' });
    default:
      return new CxpFailure(5, { '@message': String(e) });
  }
}
