/**
 * Clearing Central's response codes, and what each core outcome is on its wire. A
 * buyer exchange answers 1, 2, 4, 5 or 6; the server itself adds the rest (the table in
 * docs/protocols/clearing-central.md). Expected failures travel as CcFailure values,
 * answered in the protocol's url-encoded format, never as the hub's own errors.
 */
import { LedgerError, TransferError } from '../../src/core';

export enum Code {
  Failure = 0,
  Success = 1,
  UnknownAccount = 2,
  UnknownNid = 3,
  Denied = 4,
  FaultyData = 5,
  Repeat = 6,
  UrlError = 7,
  NoRate = 8,
  ServerError = 9,
  WrongPassword = 10,
  UnknownCaller = 11,
  NoTxid = 12,
  UnknownTxid = 13,
  CannotConnect = 14,
  ConnectFailed = 15,
  SellerMustEnter = 16,
}

export const codeMessage: Record<number, string> = {
  0: 'failure', 1: 'success', 2: 'unknown buyer account', 3: 'NID not recognised',
  4: 'denied: no funds, over a limit, or the account is locked', 5: 'faulty data', 6: 'repeat transaction',
  7: 'URL error', 8: 'conversion rate not set', 9: 'server or database error', 10: 'wrong password',
  11: 'caller not recognised', 12: 'no txid', 13: 'txid does not exist', 14: 'unable to connect to the remote server',
  15: 'failed to connect to host or proxy', 16: 'the remote requires that the seller enter the transaction',
};

/** A refusal on the wire, with a reason for our logs and the governing body (never sent). */
export class CcFailure extends Error {
  constructor(readonly code: Code, readonly reason: string) {
    super(`clearing central ${code}: ${reason}`);
  }
}

/** What a transfer refused or rejected by the core means to Clearing Central. */
export function transferCode(e: TransferError | LedgerError | string): Code {
  switch (e) {
    case TransferError.InvalidAmount:
    case TransferError.InvalidText:
    case TransferError.SameAccount:
      return Code.FaultyData;
    case TransferError.NotReady:
      return Code.ServerError;
    default:
      // Every ledger refusal (balance, credit line, payee full, blocked, no path, price moved)
      // is "denied" to a CES member: 4 is the one code its client explains that way.
      return Code.Denied;
  }
}
