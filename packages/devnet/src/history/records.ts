/**
 * What one closed ledger leaves behind, in the shapes Horizon serves. The engine
 * produces a ClosedLedger per ledger; the Horizon layer indexes and serves it; the
 * durable log stores it. Field names inside `details` are Horizon's JSON names, so
 * the HTTP layer spreads them into responses unchanged.
 */

export interface LedgerRecord {
  sequence: number;
  hash: string;
  prevHash: string;
  /** ISO-8601, second precision, 'Z' (Horizon's closed_at). */
  closedAt: string;
  successfulTransactionCount: number;
  failedTransactionCount: number;
  operationCount: number;
  txSetOperationCount: number;
  totalCoins: bigint;
  feePool: bigint;
  baseFee: number;
  baseReserve: bigint;
  maxTxSetSize: number;
  protocolVersion: number;
  headerXdr: string;
}

export interface TransactionRecord {
  hash: string;
  ledger: number;
  /** 1-based order in the ledger. */
  applicationOrder: number;
  /** TOID: (ledger << 32) | (applicationOrder << 12), decimal string. */
  pagingToken: string;
  successful: boolean;
  sourceAccount: string;
  sourceAccountSequence: string;
  feeAccount: string;
  feeCharged: bigint;
  maxFee: bigint;
  operationCount: number;
  envelopeXdr: string;
  resultXdr: string;
  resultMetaXdr: string;
  feeMetaXdr: string;
  memoType: 'none' | 'text' | 'id' | 'hash' | 'return';
  memo?: string;
  memoBytes?: string;
  signatures: string[];
  validAfter?: string;
  validBefore?: string;
  createdAt: string;
  feeBump?: { hash: string; signatures: string[] };
  innerTransaction?: { hash: string; signatures: string[]; maxFee: bigint };
  /** Horizon result codes when unsuccessful. */
  resultCodes?: { transaction: string; operations?: string[] };
}

export interface OperationRecord {
  /** TOID: (ledger << 32) | (applicationOrder << 12) | (opIndex + 1), decimal string. */
  id: string;
  transactionHash: string;
  transactionSuccessful: boolean;
  ledger: number;
  applicationOrder: number;
  sourceAccount: string;
  /** Horizon type name ('payment', 'path_payment_strict_receive', …) and number. */
  type: string;
  typeI: number;
  createdAt: string;
  /** Type-specific fields, Horizon names (amount, asset_type, from, to, …). */
  details: Record<string, unknown>;
  /** Accounts this operation touched (for /accounts/{id}/operations and payments). */
  participants: string[];
}

/** What an op frame reports; the engine adds ids and timestamps. */
export interface EffectInput {
  type: string;
  typeI: number;
  account: string;
  details: Record<string, unknown>;
}

export interface EffectRecord extends EffectInput {
  /** `${operationId padded to 19}-${index from 1 padded to 10}` as Horizon. */
  id: string;
  pagingToken: string;
  operationId: string;
  createdAt: string;
}

/** What an op frame reports for one offer crossed; the engine adds ids and times. */
export interface TradeInput {
  /** The offer on the book that was crossed. */
  offerId: bigint;
  sellerId: string;
  /** Asset and amount the book offer sold (the taker received). */
  soldAsset: string;
  soldAmount: bigint;
  /** Asset and amount the book offer bought (the taker paid). */
  boughtAsset: string;
  boughtAmount: bigint;
  /** The taker: the operation's source, and its offer id if it created one (else 0). */
  takerId: string;
  takerOfferId: bigint;
}

export interface TradeRecord extends TradeInput {
  /** `${operationId}-${index from 0}` (Horizon's trade id); paging token the same. */
  id: string;
  operationId: string;
  ledger: number;
  ledgerCloseTime: string;
}

export interface ClosedLedger {
  ledger: LedgerRecord;
  transactions: TransactionRecord[];
  operations: OperationRecord[];
  effects: EffectRecord[];
  trades: TradeRecord[];
}
