/**
 * The transaction frame, after stellar-core's TransactionFrame and
 * FeeBumpTransactionFrame: decode an envelope once, check validity in
 * stellar-core's order (at submission), charge the fee (before the ledger's
 * transactions apply), then apply: sequence number, signatures, operations all or
 * nothing, and an xdr.TransactionResult exactly as stellar-core builds it.
 */
import { createHash } from 'node:crypto';
import { xdr } from '@stellar/stellar-sdk';
import { AccountEntry, AccountId, INT64_MAX } from './state/entries';
import { LedgerState } from './state/ledger-state';
import { availableNative } from './state/balances';
import { removeSubentry } from './state/sponsorship';
import { EffectInput, TradeInput } from './history/records';
import { LedgerHeaderInfo, OpContext, OpFrame, OpOutcome, Threshold } from './ops/types';
import { opFrames } from './ops/index';
import { accountIdOfKey, accountIdOfMuxed, accountXdr, int64 } from './ops/dex-format';
import { opLevel, signerKeyString } from './ops/support';
import { SignatureChecker, VerifyCache, WeightedSigner } from './signatures';

export const MAX_OPS_PER_TX = 100;

export interface ParsedOp {
  /** xdr.OperationBody arm, e.g. 'createAccount'; Horizon's type is its snake_case. */
  readonly type: string;
  readonly typeI: number;
  readonly frame: OpFrame<unknown> | undefined;
  readonly body: unknown;
  /** The operation's own source account, if it names one. */
  readonly sourceId: AccountId | null;
}

export interface Preconditions {
  minTime: bigint;
  maxTime: bigint;
  minLedger: number;
  maxLedger: number;
  minSeqNum: bigint | null;
  minSeqAge: bigint;
  minSeqLedgerGap: number;
  extraSigners: string[];
}

/** A (v0 or v1) transaction: the inner transaction of a fee bump is one too. */
export interface TxFrame {
  readonly hash: Buffer;
  readonly hashHex: string;
  readonly sourceId: AccountId;
  readonly seqNum: bigint;
  /** The fee bid (inclusion fee), in stroops. */
  readonly fee: bigint;
  readonly ops: readonly ParsedOp[];
  readonly signatures: readonly xdr.DecoratedSignature[];
  readonly cond: Preconditions;
  readonly memo: xdr.Memo;
  readonly verified: VerifyCache;
}

export interface FeeBumpFrame {
  readonly hash: Buffer;
  readonly hashHex: string;
  readonly feeSourceId: AccountId;
  readonly fee: bigint;
  readonly signatures: readonly xdr.DecoratedSignature[];
  readonly inner: TxFrame;
  readonly verified: VerifyCache;
}

export interface Envelope {
  /** The base64 envelope exactly as submitted. */
  readonly xdr: string;
  /** The transaction whose operations run (the inner one of a fee bump). */
  readonly tx: TxFrame;
  readonly feeBump: FeeBumpFrame | null;
  /** Hash Horizon indexes the submission by (the fee bump's when there is one). */
  readonly hashHex: string;
  readonly feeSourceId: AccountId;
  /** The outer fee bid. */
  readonly maxFee: bigint;
}

export interface TxCodes {
  transaction: string;
  operations?: string[];
  /** For fee bumps: the inner transaction's code. */
  innerTransaction?: string;
}

/** A transaction turned away before reaching a ledger (stellar-core's checkValid failed). */
export interface TxRejection {
  readonly result: xdr.TransactionResult;
  readonly resultXdr: string;
  readonly codes: TxCodes;
}

export interface AppliedOp {
  readonly op: ParsedOp;
  readonly sourceId: AccountId;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly effects: EffectInput[];
  readonly trades: TradeInput[];
}

export interface AppliedTx {
  readonly envelope: Envelope;
  readonly successful: boolean;
  readonly feeCharged: bigint;
  readonly resultXdr: string;
  readonly codes: TxCodes;
  readonly ops: AppliedOp[];
}

// ---- decoding -----------------------------------------------------------------

const ENVELOPE_TYPE_TX = Buffer.from([0, 0, 0, 2]);
const ENVELOPE_TYPE_TX_FEE_BUMP = Buffer.from([0, 0, 0, 5]);
const KEY_TYPE_ED25519 = Buffer.from([0, 0, 0, 0]);

/** Bytes taken by an XDR DecoratedSignature array starting at `at`. */
function signaturesLength(sigs: readonly xdr.DecoratedSignature[]): number {
  let n = 4;
  for (const s of sigs) n += 8 + ((s.signature().length + 3) & ~3);
  return n;
}

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}


function parseOps(ops: readonly xdr.Operation[]): ParsedOp[] {
  return ops.map((op) => {
    const body = op.body();
    const sw = body.switch();
    const src = op.sourceAccount();
    return {
      type: sw.name,
      typeI: sw.value,
      frame: opFrames[sw.name],
      body: body.value(),
      sourceId: src ? accountIdOfMuxed(src) : null,
    };
  });
}

function parsePreconditions(cond: xdr.Preconditions): Preconditions {
  const p: Preconditions = {
    minTime: 0n, maxTime: 0n, minLedger: 0, maxLedger: 0, minSeqNum: null, minSeqAge: 0n, minSeqLedgerGap: 0,
    extraSigners: [],
  };
  const timeBounds = (tb: xdr.TimeBounds | null | undefined): void => {
    if (!tb) return;
    p.minTime = BigInt(tb.minTime().toString());
    p.maxTime = BigInt(tb.maxTime().toString());
  };
  switch (cond.switch().name) {
    case 'precondTime': timeBounds(cond.timeBounds()); break;
    case 'precondV2': {
      const v2 = cond.v2();
      timeBounds(v2.timeBounds());
      const lb = v2.ledgerBounds();
      if (lb) { p.minLedger = lb.minLedger(); p.maxLedger = lb.maxLedger(); }
      const ms = v2.minSeqNum();
      if (ms !== null && ms !== undefined) p.minSeqNum = ms.toBigInt();
      p.minSeqAge = BigInt(v2.minSeqAge().toString());
      p.minSeqLedgerGap = v2.minSeqLedgerGap();
      p.extraSigners = v2.extraSigners().map(signerKeyString);
      break;
    }
    default: break;
  }
  return p;
}

function txFrame(
  tx: xdr.Transaction | xdr.TransactionV0, sourceId: AccountId, cond: Preconditions,
  sigs: readonly xdr.DecoratedSignature[], hash: Buffer,
): TxFrame {
  return {
    hash, hashHex: hash.toString('hex'), sourceId, seqNum: tx.seqNum().toBigInt(), fee: BigInt(tx.fee()),
    ops: parseOps(tx.operations()), signatures: sigs, cond, memo: tx.memo(), verified: new Map(),
  };
}

/**
 * Decode a base64 envelope. Throws (with a reason) when it is not a transaction
 * envelope at all; everything else is for the validity checks. Hashes come from the
 * received bytes, so the transaction is never re-encoded.
 */
export function parseEnvelope(b64: string, networkId: Buffer): Envelope {
  if (typeof b64 !== 'string' || b64.length === 0) throw new Error('empty transaction envelope');
  const buf = Buffer.from(b64, 'base64');
  const env = xdr.TransactionEnvelope.fromXDR(buf);
  switch (env.switch().name) {
    case 'envelopeTypeTx': {
      const v1 = env.v1();
      const sigs = v1.signatures();
      const txBytes = buf.subarray(4, buf.length - signaturesLength(sigs));
      const hash = sha256(networkId, ENVELOPE_TYPE_TX, txBytes);
      const tx = v1.tx();
      const frame = txFrame(tx, accountIdOfMuxed(tx.sourceAccount()), parsePreconditions(tx.cond()), sigs, hash);
      return { xdr: b64, tx: frame, feeBump: null, hashHex: frame.hashHex, feeSourceId: frame.sourceId, maxFee: frame.fee };
    }
    case 'envelopeTypeTxV0': {
      // A v0 transaction hashes as the v1 transaction it converts to: the same bytes
      // behind an ed25519 key type.
      const v0 = env.v0();
      const sigs = v0.signatures();
      const txBytes = buf.subarray(4, buf.length - signaturesLength(sigs));
      const hash = sha256(networkId, ENVELOPE_TYPE_TX, KEY_TYPE_ED25519, txBytes);
      const tx = v0.tx();
      const tb = tx.timeBounds();
      const cond = parsePreconditions(tb ? xdr.Preconditions.precondTime(tb) : xdr.Preconditions.precondNone());
      const frame = txFrame(tx, accountIdOfKey(tx.sourceAccountEd25519()), cond, sigs, hash);
      return { xdr: b64, tx: frame, feeBump: null, hashHex: frame.hashHex, feeSourceId: frame.sourceId, maxFee: frame.fee };
    }
    case 'envelopeTypeTxFeeBump': {
      const fb = env.feeBump();
      const outerSigs = fb.signatures();
      const outerBytes = buf.subarray(4, buf.length - signaturesLength(outerSigs));
      const outerHash = sha256(networkId, ENVELOPE_TYPE_TX_FEE_BUMP, outerBytes);
      const fbTx = fb.tx();
      const innerEnv = fbTx.innerTx().v1();
      const innerTx = innerEnv.tx();
      // The inner envelope sits after the fee source and the fee, before the 4-byte ext.
      const muxedLen = fbTx.feeSource().switch().name === 'keyTypeEd25519' ? 36 : 44;
      const innerStart = 4 + muxedLen + 8 + 4;
      const innerEnd = buf.length - signaturesLength(outerSigs) - 4 - signaturesLength(innerEnv.signatures());
      const innerHash = sha256(networkId, ENVELOPE_TYPE_TX, buf.subarray(innerStart, innerEnd));
      const inner = txFrame(
        innerTx, accountIdOfMuxed(innerTx.sourceAccount()), parsePreconditions(innerTx.cond()),
        innerEnv.signatures(), innerHash,
      );
      const feeBump: FeeBumpFrame = {
        hash: outerHash, hashHex: outerHash.toString('hex'), feeSourceId: accountIdOfMuxed(fbTx.feeSource()),
        fee: fbTx.fee().toBigInt(), signatures: outerSigs, inner, verified: new Map(),
      };
      return { xdr: b64, tx: inner, feeBump, hashHex: feeBump.hashHex, feeSourceId: feeBump.feeSourceId, maxFee: feeBump.fee };
    }
    default:
      throw new Error(`unsupported envelope type ${env.switch().name}`);
  }
}

// ---- results ------------------------------------------------------------------

const TX_CODES: Record<string, string> = {
  txFeeBumpInnerSuccess: 'tx_fee_bump_inner_success',
  txFeeBumpInnerFailed: 'tx_fee_bump_inner_failed',
  txNotSupported: 'tx_not_supported',
  txSuccess: 'tx_success',
  txFailed: 'tx_failed',
  txTooEarly: 'tx_too_early',
  txTooLate: 'tx_too_late',
  txMissingOperation: 'tx_missing_operation',
  txBadSeq: 'tx_bad_seq',
  txBadAuth: 'tx_bad_auth',
  txInsufficientBalance: 'tx_insufficient_balance',
  txNoAccount: 'tx_no_source_account',
  txInsufficientFee: 'tx_insufficient_fee',
  txBadAuthExtra: 'tx_bad_auth_extra',
  txInternalError: 'tx_internal_error',
  txBadSponsorship: 'tx_bad_sponsorship',
  txBadMinSeqAgeOrGap: 'tx_bad_minseq_age_or_gap',
  txMalformed: 'tx_malformed',
};

type TxCode = keyof typeof TX_CODES & string;

/** What one transaction (inner or plain) came to: a code, and op outcomes for success/failed. */
interface TxOutcome {
  code: TxCode;
  ops?: OpOutcome[];
}

/** The success result stellar-core pre-fills for operations it never reached. */
function placeholder(op: ParsedOp): OpOutcome {
  const tr = xdr.OperationResultTr as unknown as Record<string, (v: unknown) => xdr.OperationResultTr>;
  let inner: unknown;
  switch (op.type) {
    case 'manageSellOffer': case 'createPassiveSellOffer':
      inner = xdr.ManageSellOfferResult.manageSellOfferSuccess(new xdr.ManageOfferSuccessResult({
        offersClaimed: [], offer: xdr.ManageOfferSuccessResultOffer.manageOfferDeleted(),
      }));
      break;
    case 'manageBuyOffer':
      inner = xdr.ManageBuyOfferResult.manageBuyOfferSuccess(new xdr.ManageOfferSuccessResult({
        offersClaimed: [], offer: xdr.ManageOfferSuccessResultOffer.manageOfferDeleted(),
      }));
      break;
    case 'accountMerge': inner = xdr.AccountMergeResult.accountMergeSuccess(int64(0n)); break;
    case 'pathPaymentStrictReceive': case 'pathPaymentStrictSend': {
      const body = op.body as xdr.PathPaymentStrictReceiveOp | xdr.PathPaymentStrictSendOp;
      const last = new xdr.SimplePaymentResult({
        destination: accountXdr(accountIdOfMuxed(body.destination())), asset: body.destAsset(), amount: int64(0n),
      });
      inner = op.type === 'pathPaymentStrictReceive'
        ? xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveSuccess(
          new xdr.PathPaymentStrictReceiveResultSuccess({ offers: [], last }))
        : xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSuccess(
          new xdr.PathPaymentStrictSendResultSuccess({ offers: [], last }));
      break;
    }
    default: {
      if (!op.frame) return opLevel('opNotSupported');
      // Void success arms are named "<resultUnion>Success" after the op type.
      const unionName = `${op.type[0].toUpperCase()}${op.type.slice(1)}Result`;
      const union = (xdr as unknown as Record<string, Record<string, () => unknown>>)[unionName];
      const success = union?.[`${op.type}Success`];
      if (!success) return { code: 'op_success', result: xdr.OperationResult.opNotSupported() };
      try {
        inner = success();
      } catch {
        return { code: 'op_success', result: xdr.OperationResult.opNotSupported() };
      }
    }
  }
  return { code: 'op_success', result: xdr.OperationResult.opInner(tr[op.type](inner)) };
}

const txExt = (): xdr.TransactionResultExt => new xdr.TransactionResultExt(0);

function resultOf(code: TxCode, ops?: OpOutcome[]): xdr.TransactionResultResult {
  const u = xdr.TransactionResultResult as unknown as Record<string, (v?: unknown) => xdr.TransactionResultResult>;
  return code === 'txSuccess' || code === 'txFailed' ? u[code](ops!.map((o) => o.result)) : u[code]();
}

function innerResultOf(code: TxCode, ops?: OpOutcome[]): xdr.InnerTransactionResultResult {
  const u = xdr.InnerTransactionResultResult as unknown as Record<string, (v?: unknown) => xdr.InnerTransactionResultResult>;
  return code === 'txSuccess' || code === 'txFailed' ? u[code](ops!.map((o) => o.result)) : u[code]();
}

function buildResult(env: Envelope, feeCharged: bigint, o: TxOutcome): { result: xdr.TransactionResult; codes: TxCodes } {
  const opCodes = o.ops?.map((x) => x.code);
  if (!env.feeBump) {
    return {
      result: new xdr.TransactionResult({ feeCharged: int64(feeCharged), result: resultOf(o.code, o.ops), ext: txExt() }),
      codes: opCodes ? { transaction: TX_CODES[o.code], operations: opCodes } : { transaction: TX_CODES[o.code] },
    };
  }
  const pair = new xdr.InnerTransactionResultPair({
    transactionHash: env.tx.hash,
    result: new xdr.InnerTransactionResult({
      feeCharged: int64(0n), result: innerResultOf(o.code, o.ops), ext: new xdr.InnerTransactionResultExt(0),
    }),
  });
  const outer = o.code === 'txSuccess' ? 'txFeeBumpInnerSuccess' : 'txFeeBumpInnerFailed';
  const u = xdr.TransactionResultResult as unknown as Record<string, (v: unknown) => xdr.TransactionResultResult>;
  const codes: TxCodes = { transaction: TX_CODES[outer], innerTransaction: TX_CODES[o.code] };
  if (opCodes) codes.operations = opCodes;
  return {
    result: new xdr.TransactionResult({ feeCharged: int64(feeCharged), result: u[outer](pair), ext: txExt() }),
    codes,
  };
}

/** An outer fee-bump failure: the fee bump's own code, no inner result. */
function outerFailure(feeCharged: bigint, code: TxCode): { result: xdr.TransactionResult; codes: TxCodes } {
  const result = new xdr.TransactionResult({ feeCharged: int64(feeCharged), result: resultOf(code), ext: txExt() });
  return { result, codes: { transaction: TX_CODES[code] } };
}

function rejection(r: { result: xdr.TransactionResult; codes: TxCodes }): TxRejection {
  return { result: r.result, resultXdr: r.result.toXDR('base64'), codes: r.codes };
}

// ---- validity (stellar-core's commonValid and checkValid) ---------------------------

function signersOf(acc: AccountEntry): WeightedSigner[] {
  const out: WeightedSigner[] = acc.thresholds[0] > 0 ? [{ key: acc.accountId, weight: acc.thresholds[0] }] : [];
  for (const s of acc.signers) out.push(s);
  return out;
}

function neededWeight(acc: AccountEntry, level: Threshold): number {
  return acc.thresholds[level === 'low' ? 1 : level === 'medium' ? 2 : 3];
}

/** The inclusion fee stellar-core requires: base fee per operation (plus one for a fee bump). */
function minFee(ops: number, header: LedgerHeaderInfo): bigint {
  return BigInt(header.baseFee) * BigInt(Math.max(1, ops));
}

type Validity = 'invalid' | 'invalidUpdateSeqNum' | 'invalidPostAuth' | 'maybeValid';

interface CommonValid {
  validity: Validity;
  failure?: TxCode;
}

/** TransactionFrame::commonValid. `current` overrides the account's sequence (queued txs). */
function commonValid(
  tx: TxFrame, state: LedgerState, header: LedgerHeaderInfo, checker: SignatureChecker,
  applying: boolean, chargeFee: boolean, current?: bigint,
): CommonValid {
  const fail = (failure: TxCode, validity: Validity = 'invalid'): CommonValid => ({ validity, failure });
  if (tx.ops.length === 0) return fail('txMissingOperation');
  if (tx.ops.length > MAX_OPS_PER_TX) return fail('txMalformed');
  if (new Set(tx.cond.extraSigners).size !== tx.cond.extraSigners.length) return fail('txMalformed');
  const c = tx.cond;
  if ((c.minTime !== 0n && header.closeTime < c.minTime) || (c.minLedger !== 0 && header.seq < c.minLedger)) {
    return fail('txTooEarly');
  }
  if ((c.maxTime !== 0n && header.closeTime > c.maxTime) || (c.maxLedger !== 0 && header.seq >= c.maxLedger)) {
    return fail('txTooLate');
  }
  if (chargeFee && tx.fee < minFee(tx.ops.length, header)) return fail('txInsufficientFee');
  const acc = state.getAccount(tx.sourceId);
  if (!acc) return fail('txNoAccount');

  const seq = current ?? acc.seqNum;
  if (isBadSeq(tx, header, seq)) return fail('txBadSeq');
  if ((c.minSeqAge !== 0n && header.closeTime - acc.seqTime < c.minSeqAge)
    || (c.minSeqLedgerGap !== 0 && header.seq - acc.seqLedger < c.minSeqLedgerGap)) {
    return fail('txBadMinSeqAgeOrGap', 'invalidUpdateSeqNum');
  }
  if (!checker.check(signersOf(acc), neededWeight(acc, 'low'))) return fail('txBadAuth', 'invalidUpdateSeqNum');
  for (const key of c.extraSigners) {
    if (!checker.check([{ key, weight: 1 }], 1)) return fail('txBadAuth', 'invalidUpdateSeqNum');
  }
  // When applying, the fee is already gone: only the reserve must still be covered.
  const feeToPay = applying ? 0n : tx.fee;
  if (chargeFee && availableNative(acc, header.baseReserve) < feeToPay) {
    return fail('txInsufficientBalance', 'invalidPostAuth');
  }
  return { validity: 'maybeValid' };
}

function isBadSeq(tx: TxFrame, header: LedgerHeaderInfo, current: bigint): boolean {
  if (tx.seqNum === BigInt(header.seq) << 32n) return true;
  if (tx.cond.minSeqNum !== null) return current < tx.cond.minSeqNum || current >= tx.seqNum;
  return current === INT64_MAX || current + 1n !== tx.seqNum;
}

function opContext(
  state: LedgerState, header: LedgerHeaderInfo, tx: TxFrame, op: ParsedOp, opIndex: number,
  effects: EffectInput[], trades: TradeInput[],
): OpContext {
  return {
    state, header, sourceId: op.sourceId ?? tx.sourceId, txSourceId: tx.sourceId, opIndex, txHash: tx.hash,
    effect: (e) => { effects.push(e); },
    trade: (t) => { trades.push(t); },
  };
}

/** OperationFrame::checkSignature (forApply = false). */
function opSignatureValid(
  tx: TxFrame, op: ParsedOp, ctx: OpContext, checker: SignatureChecker,
): OpOutcome | null {
  const acc = ctx.state.getAccount(ctx.sourceId);
  if (acc) {
    const level = op.frame ? op.frame.threshold(op.body, ctx) : 'medium';
    return checker.check(signersOf(acc), neededWeight(acc, level)) ? null : opLevel('opBadAuth');
  }
  // An op may name an account a previous op creates; then its master key must sign.
  if (!op.sourceId) return opLevel('opNoAccount');
  return checker.check([{ key: op.sourceId, weight: 1 }], 0) ? null : opLevel('opBadAuth');
}

/** checkValidWithOptionallyChargedFee for one (inner or plain) transaction. */
function checkTx(
  tx: TxFrame, state: LedgerState, header: LedgerHeaderInfo, chargeFee: boolean, current?: bigint,
): TxOutcome | null {
  const checker = new SignatureChecker(tx.hash, tx.signatures, tx.verified);
  const cv = commonValid(tx, state, header, checker, false, chargeFee, current);
  if (cv.validity !== 'maybeValid') return { code: cv.failure! };
  const outcomes = tx.ops.map(placeholder);
  for (let i = 0; i < tx.ops.length; i++) {
    const op = tx.ops[i];
    const ctx = opContext(state, header, tx, op, i, [], []);
    if (!op.frame) {
      outcomes[i] = opLevel('opNotSupported');
      return { code: 'txFailed', ops: outcomes };
    }
    const bad = opSignatureValid(tx, op, ctx, checker) ?? op.frame.checkValid(op.body, ctx);
    if (bad) {
      outcomes[i] = bad;
      return { code: 'txFailed', ops: outcomes };
    }
  }
  if (!checker.checkAllSignaturesUsed()) return { code: 'txBadAuthExtra' };
  return null;
}

/**
 * Validity at submission, against the last closed state. `current` is the source's
 * sequence number after the transactions already queued for the next ledger.
 */
export function checkValid(
  env: Envelope, state: LedgerState, header: LedgerHeaderInfo, current?: bigint,
): TxRejection | null {
  const fb = env.feeBump;
  if (!fb) {
    const o = checkTx(env.tx, state, header, true, current);
    return o ? rejection(buildResult(env, env.tx.fee, o)) : null;
  }
  const innerOps = env.tx.ops.length;
  const min = minFee(innerOps + 1, header);
  if (fb.fee < min) return rejection(outerFailure(fb.fee, 'txInsufficientFee'));
  // The fee bump must bid at least the inner transaction's rate per operation.
  if (fb.fee * minFee(innerOps, header) < env.tx.fee * min) return rejection(outerFailure(fb.fee, 'txInsufficientFee'));
  const feeSource = state.getAccount(fb.feeSourceId);
  if (!feeSource) return rejection(outerFailure(fb.fee, 'txNoAccount'));
  const checker = new SignatureChecker(fb.hash, fb.signatures, fb.verified);
  if (!checker.check(signersOf(feeSource), neededWeight(feeSource, 'low'))) {
    return rejection(outerFailure(fb.fee, 'txBadAuth'));
  }
  if (availableNative(feeSource, header.baseReserve) < fb.fee) {
    return rejection(outerFailure(fb.fee, 'txInsufficientBalance'));
  }
  if (!checker.checkAllSignaturesUsed()) return rejection(outerFailure(fb.fee, 'txBadAuthExtra'));
  const o = checkTx(env.tx, state, header, false, current);
  return o ? rejection(buildResult(env, fb.fee, o)) : null;
}

// ---- fees (processFeeSeqNum) ----------------------------------------------------

/**
 * Charge the fee before any transaction of the ledger applies: base fee per
 * operation (plus one for a fee bump), at most the bid, at most the balance.
 * Returns what was charged; the caller adds it to the fee pool.
 */
export function chargeFee(env: Envelope, state: LedgerState, header: LedgerHeaderInfo): bigint {
  const ops = env.tx.ops.length + (env.feeBump ? 1 : 0);
  let fee = minFee(ops, header);
  if (env.maxFee < fee) fee = env.maxFee;
  const acc = state.getAccount(env.feeSourceId);
  if (!acc) return 0n;
  if (fee > acc.balance) fee = acc.balance;
  if (fee > 0n) state.putAccount({ ...acc, balance: acc.balance - fee });
  return fee;
}

// ---- application ------------------------------------------------------------------

/** Pre-auth signers for this transaction are one-time: stellar-core removes them from every source. */
function removeOneTimeSigners(state: LedgerState, hash: Buffer, accounts: Iterable<AccountId>): void {
  let key: string | undefined;
  for (const id of accounts) {
    const acc = state.getAccount(id);
    if (!acc || !acc.signers.some((s) => s.key[0] === 'T')) continue;
    key ??= preAuthKey(hash);
    const signer = acc.signers.find((s) => s.key === key);
    if (!signer) continue;
    removeSubentry(state, id, signer.sponsor);
    const now = state.getAccount(id)!;
    state.putAccount({ ...now, signers: now.signers.filter((s) => s.key !== key) });
  }
}

function preAuthKey(hash: Buffer): string {
  return signerKeyString(xdr.SignerKey.signerKeyTypePreAuthTx(hash));
}

function sourcesOf(tx: TxFrame): Set<AccountId> {
  const s = new Set<AccountId>([tx.sourceId]);
  for (const op of tx.ops) if (op.sourceId) s.add(op.sourceId);
  return s;
}

interface OpRun {
  outcome: OpOutcome;
  effects: EffectInput[];
  trades: TradeInput[];
}

/** TransactionFrame::apply for one (inner or plain) transaction whose fee is already charged. */
function applyTx(
  tx: TxFrame, state: LedgerState, header: LedgerHeaderInfo, chargeFeeChecks: boolean,
): { outcome: TxOutcome; runs: OpRun[] } {
  const checker = new SignatureChecker(tx.hash, tx.signatures, tx.verified);
  const cv = commonValid(tx, state, header, checker, true, chargeFeeChecks);
  if (cv.validity !== 'invalid') {
    const acc = state.getAccount(tx.sourceId)!;
    if (acc.seqNum < tx.seqNum) {
      state.putAccount({ ...acc, seqNum: tx.seqNum, seqLedger: header.seq, seqTime: header.closeTime });
    }
  }
  const runs: OpRun[] = [];
  if (cv.validity !== 'maybeValid') {
    removeOneTimeSigners(state, tx.hash, sourcesOf(tx));
    return { outcome: { code: cv.failure! }, runs };
  }

  // processSignatures: every op's source must have signed, every signature be used.
  const outcomes = tx.ops.map(placeholder);
  let allSigned = true;
  for (let i = 0; i < tx.ops.length; i++) {
    const op = tx.ops[i];
    const bad = opSignatureValid(tx, op, opContext(state, header, tx, op, i, [], []), checker);
    if (bad) { outcomes[i] = bad; allSigned = false; }
  }
  removeOneTimeSigners(state, tx.hash, sourcesOf(tx));
  if (!allSigned) return { outcome: { code: 'txFailed', ops: outcomes }, runs };
  if (!checker.checkAllSignaturesUsed()) return { outcome: { code: 'txBadAuthExtra' }, runs };

  const txSp = state.savepoint();
  let opSp = -1;
  let success = true;
  try {
    for (let i = 0; i < tx.ops.length; i++) {
      const op = tx.ops[i];
      const run: OpRun = { outcome: outcomes[i], effects: [], trades: [] };
      const ctx = opContext(state, header, tx, op, i, run.effects, run.trades);
      opSp = state.savepoint();
      run.outcome = applyOp(op, ctx);
      if (run.outcome.code === 'op_success') {
        state.commit(opSp);
      } else {
        state.rollback(opSp);
        success = false;
      }
      opSp = -1;
      outcomes[i] = run.outcome;
      runs.push(run);
    }
  } catch {
    // An invariant broke inside an operation: stellar-core reports txINTERNAL_ERROR.
    // (Savepoints the op itself left open stay counted; ops are written not to throw.)
    if (opSp >= 0) state.rollback(opSp);
    state.rollback(txSp);
    return { outcome: { code: 'txInternalError' }, runs: [] };
  }
  if (success && state.openSponsorships() > 0) {
    state.rollback(txSp);
    return { outcome: { code: 'txBadSponsorship' }, runs };
  }
  if (!success) {
    state.rollback(txSp);
    return { outcome: { code: 'txFailed', ops: outcomes }, runs };
  }
  state.commit(txSp);
  return { outcome: { code: 'txSuccess', ops: outcomes }, runs };
}

/** OperationFrame::apply: checkValid for apply (source must exist now), then doApply. */
function applyOp(op: ParsedOp, ctx: OpContext): OpOutcome {
  if (!op.frame) return opLevel('opNotSupported');
  if (!ctx.state.getAccount(ctx.sourceId)) return opLevel('opNoAccount');
  return op.frame.checkValid(op.body, ctx) ?? op.frame.apply(op.body, ctx);
}

/**
 * Apply one transaction of a closing ledger (its fee already charged by chargeFee).
 * Operation effects and trades survive only if the transaction succeeds.
 */
export function apply(env: Envelope, state: LedgerState, header: LedgerHeaderInfo, feeCharged: bigint): AppliedTx {
  if (env.feeBump) removeOneTimeSigners(state, env.feeBump.hash, [env.feeBump.feeSourceId]);
  const { outcome, runs } = applyTx(env.tx, state, header, !env.feeBump);
  const { result, codes } = buildResult(env, feeCharged, outcome);
  const successful = outcome.code === 'txSuccess';
  const ops: AppliedOp[] = env.tx.ops.map((op, i) => {
    const run = runs[i];
    return {
      op,
      sourceId: op.sourceId ?? env.tx.sourceId,
      code: run?.outcome.code ?? 'op_success',
      details: run?.outcome.details ?? {},
      effects: successful && run ? run.effects : [],
      trades: successful && run ? run.trades : [],
    };
  });
  return { envelope: env, successful, feeCharged, resultXdr: result.toXDR('base64'), codes, ops };
}
