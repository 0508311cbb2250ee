/**
 * What the Komunitin protocol runs through the outbox: the kinds, their payloads, and
 * the transfers handed from the service to the handlers in memory. Shared by
 * service.ts (which enqueues) and notify.ts (which sends), so neither imports the other.
 */
import { Transfer } from '../../src/core';

export const NOTIFY = 'komunitin.notify';
export const UPDATE = 'komunitin.update';
/** Not a message: a payment whose notify was refused, looked up on the ledger (recovery.ts). */
export const RECOVER = 'komunitin.recover';

/** What a notify delivery carries; the hash is read from the transfer when it is sent. */
export interface NotifyPayload {
  id: string;
  /** Our payer: its account id, public key (the JWT's subject) and URL. */
  payerId: string;
  payerKey: string;
  payerHref: string;
  payeeId: string;
  /** Payee units at the payee's scale. */
  amount: number;
  description: string;
}

/** A PATCH telling a peer what became of its payment request. */
export interface UpdatePayload {
  id: string;
  /** Our payer's key: the peer checks the JWT's subject is the payer it asked. */
  signerKey: string;
  state: 'committed' | 'rejected' | 'failed';
}

/**
 * Transfers a caller settled a moment ago and is delivering right now (deliverNow):
 * the handler takes the transfer from here instead of reading it back. Only the
 * ledger hash and times are read from it, and a settled transfer's hash never changes.
 */
export type JustSettled = Map<string, Transfer>;
