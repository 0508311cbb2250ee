/**
 * The Ledger port: what the core needs from a ledger, in the core's words. The Stellar
 * adapter (src/ledger/stellar) implements it; the core never sees an SDK type. Amounts
 * are bigint stroops; accounts are public keys; secrets arrive through a KeyLookup the
 * core backs with the vault, one short lookup at a time.
 */
import { isOneOf } from './errors';
import { Rate } from './amounts';
import { Redacted } from '../vault/redacted';

/** Public keys of one community's currency accounts (Komunitin's model). */
export interface CurrencyAccounts {
  issuer: string;
  credit: string;
  admin: string;
  externalIssuer: string;
  externalTrader: string;
}

export interface LedgerCurrency {
  /** Asset code of the local currency (the community code). */
  code: string;
  rate: Rate;
  accounts: CurrencyAccounts;
  /** Local stroops the external trader may hold: the community's trade deficit bound. */
  traderMaxBalance: bigint;
  /**
   * Kept by another server (a peer): the hub holds none of its keys, so it never
   * provisions or rebalances it, and a payment to it travels alone in its transaction
   * (the peer's server reads the first payment of the transaction it is told about).
   */
  peer?: boolean;
}

/** One payment operation of a transaction, as the ledger applied it. */
export interface LedgerPayment {
  /** Public key of the paying account. */
  from: string;
  to: string;
  /** What the payee received: asset and stroops. */
  asset: { code: string; issuer: string };
  amount: bigint;
  /** What left the payer. */
  sourceAsset: { code: string; issuer: string };
  sourceAmount: bigint;
}

export interface NewKey {
  publicKey: string;
  secret: Redacted<string>;
}

/** Secret of one of a community's accounts, by public key. */
export type KeyLookup = (publicKey: string) => Promise<Redacted<string>>;

export enum LedgerError {
  /** The payer has not enough balance or credit left. */
  InsufficientBalance = 'insufficient_balance',
  /** No credit line between the communities has room for this amount. */
  CreditLineFull = 'credit_line_full',
  /** No chain of credit lines connects the two communities. */
  NoPath = 'no_path',
  /** The payee's account would exceed its maximum balance. */
  PayeeFull = 'payee_full',
  /** An account or community on the way is blocked. */
  Blocked = 'blocked',
  /** The price moved between quote and settlement beyond the agreed maximum. */
  PriceMoved = 'price_moved',
  /** A credit line cannot be lowered below what is outstanding on it. */
  BelowOutstanding = 'below_outstanding',
}

export const isLedgerError = isOneOf(LedgerError);

export interface Quote {
  /** What the payer pays, in payer units. */
  sourceAmount: bigint;
  /** What the payee receives, in payee units. */
  destAmount: bigint;
  /** Intermediate currencies, as opaque ledger asset ids. */
  path: string[];
}

export interface Endpoint {
  currency: LedgerCurrency;
  publicKey: string;
}

export interface PaymentOrder {
  /** Stable id of the transfer: the engine never pays the same order twice. */
  id: string;
  from: Endpoint;
  to: Endpoint;
  /** Exact amount delivered to the payee (strict receive). */
  destAmount: bigint;
  /** Most the payer may pay. */
  sendMax: bigint;
  path: string[];
}

export interface Settlement {
  /** Ledger transaction id (hash). */
  hash: string;
  ledger: number;
  /** What the payer actually paid. */
  sourceAmount: bigint;
}

export type SubmitHook = (submission: { hash: string; envelope: string }) => Promise<void>;

export interface Ledger {
  /** A new key pair for an account the hub will hold custodially. */
  newKey(): NewKey;
  /** Create a currency's accounts, trustlines and trader offers; safe to call again. */
  provisionCurrency(c: LedgerCurrency, keys: KeyLookup, opts: { creditBalance: bigint; traderCredit: bigint }): Promise<void>;
  /** Create a member (or import-export) account with its limits; safe to call again. */
  provisionAccount(c: LedgerCurrency, a: { publicKey: string; creditLimit: bigint; maxBalance: bigint }, keys: KeyLookup): Promise<void>;
  /** Change a member account's limits (credit given or clawed back by the difference). */
  setAccountLimits(
    c: LedgerCurrency, a: { publicKey: string; creditLimit: bigint; maxBalance: bigint }, previous: { creditLimit: bigint }, keys: KeyLookup,
  ): Promise<void | LedgerError>;
  /** Local payment within one currency. */
  payLocal(order: PaymentOrder, keys: KeyLookup): Promise<Settlement | LedgerError>;
  /**
   * `truster` accepts up to `limit` (truster units) of `trusted`'s HOUR. 0 removes it.
   * A limit below what is held is refused (BelowOutstanding), unless `holdOutstanding`:
   * then the limit is what is held, so no new credit is given until the line clears
   * (a rate change can shrink a line's value in HOUR under what it already carries).
   */
  setCreditLine(
    truster: LedgerCurrency, trusted: LedgerCurrency, limit: bigint, keys: KeyLookup, opts?: { holdOutstanding?: boolean },
  ): Promise<void | LedgerError>;
  /** HOUR of `trusted` held by `truster`'s trader, in truster units (what is outstanding). */
  creditLineUsage(truster: LedgerCurrency, trusted: LedgerCurrency): Promise<bigint>;
  /**
   * One clearing transaction (netting): each leg's creditor trader hands `amount` (HOUR
   * stroops) of the debtor's HOUR back to the debtor's trader. The legs should form a
   * circulation; the transaction applies wholly or not at all. `onSubmit` runs before it is sent.
   */
  settleClearing(
    legs: Array<{ debtor: LedgerCurrency; creditor: LedgerCurrency; amount: bigint }>, keys: KeyLookup, onSubmit?: SubmitHook,
  ): Promise<{ ok: true; hash: string; ledger: number; operations: number } | { ok: false; code: string }>;
  /** Re-price and resize the currency's trader offers; returns how many operations that took (0: already right). */
  rebalance(c: LedgerCurrency, keys: KeyLookup): Promise<number>;
  /** An account as the ledger has it: its trustline to the currency, or null if it does not exist. */
  inspectAccount(c: LedgerCurrency, publicKey: string): Promise<{ balance: bigint; limit: bigint; authorized: boolean } | null>;
  /** The trader's lines to other currencies' HOUR: issuer (external issuer key), limit and balance in HOUR. */
  traderLines(c: LedgerCurrency): Promise<Array<{ externalIssuer: string; limit: bigint; balance: bigint }>>;
  /** How many offer operations rebalance() would need now (0: the trader's offers are right). */
  offerDrift(c: LedgerCurrency): Promise<number>;
  /** A transaction the ledger knows, by hash. */
  findTransaction(hash: string): Promise<{ successful: boolean; ledger: number } | null>;
  /** The payments a transaction made, by hash (null: the ledger does not know it). */
  findPayments(hash: string): Promise<{ successful: boolean; ledger: number; payments: LedgerPayment[] } | null>;
  /** Balance of an account in its currency, stroops (ledger balance, before credit). */
  balance(c: LedgerCurrency, publicKey: string): Promise<bigint>;
  /** Best path delivering exactly `destAmount` to the payee. */
  quoteReceive(from: Endpoint, to: Endpoint, destAmount: bigint): Promise<Quote | LedgerError>;
  /**
   * Price a payment along a route the hub chose (for ripples longer than the ledger's
   * own path search explores): payer → via… → payee, each hop at its rates.
   */
  quoteRoute(from: Endpoint, to: Endpoint, via: LedgerCurrency[], destAmount: bigint): Quote;
  /** External issuers of the HOURs a path crosses (the communities a payment ripples through). */
  pathIssuers(path: string[]): string[];
  /** Best path spending exactly `sourceAmount` from the payer. */
  quoteSend(from: Endpoint, to: Endpoint, sourceAmount: bigint): Promise<Quote | LedgerError>;
  /**
   * Settle a payment (cross-community: one path payment). `onSubmit` runs before each
   * submission of a signed envelope carrying this order (several if a batch is split),
   * so the caller can record the hash and envelope durably first.
   */
  pay(order: PaymentOrder, keys: KeyLookup, onSubmit?: SubmitHook): Promise<Settlement | LedgerError>;
  /**
   * Recovery after a crash: what became of a recorded envelope carrying `order`.
   * Resubmits it if the ledger does not know it and it can still apply; `expired` means
   * it never applied and never will, so the order may be paid anew.
   */
  recover(hash: string, envelope: string, order: PaymentOrder):
    Promise<{ successful: boolean; ledger: number; code?: string; /** what the order's payer actually paid */ sourceAmount?: bigint } | 'expired'>;
  close(): Promise<void>;
}
