/**
 * Payees on other servers, across protocols. A payment taken in one protocol may name
 * an account that another protocol reaches: a CXP try whose dest_url is a Komunitin
 * currency on a peer server. The protocol that reaches such servers registers how to
 * find their accounts and how to tell them of a payment; the protocol that took the
 * payment asks for them without knowing the other's words (as onward deliveries do the
 * other way round, see ../deliveries/onward.ts).
 */
import { isOneOf } from '../errors';
import { TransferDelivery } from './grouped-writes';
import { Disputed, Party } from './service';

export enum RemotePayeeError {
  /** No registered peer server answers to that address. */
  UnknownServer = 'unknown_server',
  /** The server is a registered peer, but has no such account. */
  UnknownAccount = 'unknown_account',
  /** The server could not be asked now. */
  Unreachable = 'unreachable',
}
export const isRemotePayeeError = isOneOf(RemotePayeeError);

/**
 * A server's address as protocols compare them: no scheme, no trailing slash, lower
 * case (CXP names servers without a scheme; Komunitin by full URL).
 */
export const serverKey = (url: string): string => url.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '').toLowerCase();

export interface RemotePayment {
  payer: Party;
  /** Who pays, as the payee's server should show it (e.g. the member's reference in its exchange). */
  payerRef: string;
  /** What the payee receives, in its community's units (stroops), as `exact` made it. */
  amount: bigint;
  description: string;
  /** A stable id of the payment (its idempotency key). */
  reference: string;
}

export interface RemotePayee {
  /** The payee as the hub knows it: the peer community and its account there. */
  payee: Party;
  /** The largest amount at most `amount` that the payee's server can state exactly. */
  exact(amount: bigint): bigint;
  /** Telling the payee's server, written with the transfer and sent once it settles. */
  delivery(p: RemotePayment): Promise<TransferDelivery>;
}

export interface RemoteServer {
  /** Its address, as protocols name servers (e.g. https://host/CODE). */
  server: string;
  name: string;
}

export interface RemotePayeeFinder {
  find(q: { server: string; payee: string }): Promise<RemotePayee | RemotePayeeError>;
  /**
   * Ask the payee's server to pay a disputed payment back, through the protocol, if this
   * finder reaches that payee: true once asked (asking again is harmless), false if it
   * could not ask now (the hub asks again when it resumes), null if not its payee.
   */
  reclaim?(d: Disputed): Promise<boolean | null>;
  /** The servers it reaches (a directory for clients choosing a destination). */
  servers(): Promise<RemoteServer[]>;
}

export interface RemotePayees {
  register(finder: RemotePayeeFinder): void;
  find(q: { server: string; payee: string }): Promise<RemotePayee | RemotePayeeError>;
  /** Ask whichever protocol reaches the payee for a disputed payment back: true once asked. */
  reclaim(d: Disputed): Promise<boolean>;
  servers(): Promise<RemoteServer[]>;
}

export function createRemotePayees(): RemotePayees {
  const finders: RemotePayeeFinder[] = [];
  return {
    register(finder) {
      finders.push(finder);
    },
    async find(q) {
      for (const f of finders) {
        const r = await f.find(q);
        if (r !== RemotePayeeError.UnknownServer) return r;
      }
      return RemotePayeeError.UnknownServer;
    },
    async servers() {
      return (await Promise.all(finders.map((f) => f.servers()))).flat();
    },
    async reclaim(d) {
      for (const f of finders) {
        const r = (await f.reclaim?.(d)) ?? null;
        if (r !== null) return r;
      }
      return false;
    },
  };
}
