/**
 * The shape every operation module follows, after stellar-core's OperationFrame:
 * a static `checkValid` (no ledger access beyond what stellar-core's doCheckValid
 * reads) and an `apply` that runs the ledger checks in stellar-core's order.
 */
import { xdr } from '@stellar/stellar-sdk';
import { AccountId } from '../state/entries';
import { LedgerState } from '../state/ledger-state';
import { EffectInput, TradeInput } from '../history/records';

export type Threshold = 'low' | 'medium' | 'high';

export interface LedgerHeaderInfo {
  readonly seq: number;
  /** Close time of the ledger being built, unix seconds. */
  readonly closeTime: bigint;
  readonly baseFee: number;
  readonly baseReserve: bigint;
}

export interface OpContext {
  readonly state: LedgerState;
  readonly header: LedgerHeaderInfo;
  /** The operation's source (its own source account, else the transaction's), as G… */
  readonly sourceId: AccountId;
  readonly txSourceId: AccountId;
  /** Index of the operation in its transaction, from 0. */
  readonly opIndex: number;
  /** Hash of the transaction (hex), for pre-auth signers and claimable ids. */
  readonly txHash: Buffer;
  /** Record a Horizon effect of this operation (undone with it if the tx fails). */
  effect(e: EffectInput): void;
  /** Record a trade crossed by this operation. */
  trade(t: TradeInput): void;
}

export interface OpOutcome {
  /** Horizon's result code string: 'op_success', 'op_underfunded', 'sell_not_authorized', … */
  readonly code: string;
  /** The full xdr.OperationResult (opINNER with the op-specific result). */
  readonly result: xdr.OperationResult;
  /** Horizon operation-resource fields specific to this op (e.g. amount, asset_code), known after apply. */
  readonly details?: Record<string, unknown>;
}

export interface OpFrame<Body> {
  /** The xdr.OperationBody arm name, e.g. 'createAccount', 'pathPaymentStrictReceive'. */
  readonly type: string;
  threshold(body: Body, ctx: OpContext): Threshold;
  /** Static validity; null when valid, else the failing outcome (e.g. *_MALFORMED). */
  checkValid(body: Body, ctx: OpContext): OpOutcome | null;
  apply(body: Body, ctx: OpContext): OpOutcome;
}
