/**
 * Horizon-shaped history records of applied transactions (history/records.ts):
 * TOID paging tokens, operation type names and participants, effect and trade ids.
 */
import { xdr } from '@stellar/stellar-sdk';
import {
  EffectRecord, OperationRecord, TradeRecord, TransactionRecord,
} from './history/records';
import { AppliedTx } from './transaction';

const TOID_LEDGER_SHIFT = 32n;
const TOID_TX_SHIFT = 12n;

export function toid(ledger: number, applicationOrder: number, opIndex1: number): bigint {
  return (BigInt(ledger) << TOID_LEDGER_SHIFT) | (BigInt(applicationOrder) << TOID_TX_SHIFT) | BigInt(opIndex1);
}

/** ISO-8601 at second precision, as Horizon prints closed_at. */
export function isoSeconds(unixSeconds: bigint): string {
  return new Date(Number(unixSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function camelToSnake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const snakeNames = new Map<string, string>();
function horizonType(arm: string): string {
  let s = snakeNames.get(arm);
  if (s === undefined) {
    s = camelToSnake(arm);
    snakeNames.set(arm, s);
  }
  return s;
}

/** Keys of operation details that name accounts the operation involves. */
const PARTICIPANT_FIELDS = [
  'account', 'into', 'to', 'from', 'trustor', 'funder', 'sponsored_id', 'begin_sponsor', 'trustee',
  'account_id', 'trustline_account_id', 'data_account_id', 'signer_account_id',
];

function participants(source: string, details: Record<string, unknown>, sellers: Iterable<string>): string[] {
  const set = new Set<string>([source]);
  for (const f of PARTICIPANT_FIELDS) {
    const v = details[f];
    if (typeof v === 'string' && v.length === 56 && v[0] === 'G') set.add(v);
  }
  for (const s of sellers) set.add(s);
  return [...set];
}

/** TransactionMeta v2 with no ledger changes: the devnet does not reproduce meta. */
const metaCache = new Map<number, string>();
function emptyMeta(ops: number): string {
  let m = metaCache.get(ops);
  if (m === undefined) {
    const operations = Array.from({ length: ops }, () => new xdr.OperationMeta({ changes: [] }));
    m = new xdr.TransactionMeta(2, new xdr.TransactionMetaV2({ txChangesBefore: [], operations, txChangesAfter: [] }))
      .toXDR('base64');
    metaCache.set(ops, m);
  }
  return m;
}

const EMPTY_CHANGES = 'AAAAAA==';

function memoFields(memo: xdr.Memo): Pick<TransactionRecord, 'memoType' | 'memo' | 'memoBytes'> {
  switch (memo.switch().name) {
    case 'memoText': {
      const v = memo.text();
      const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
      return { memoType: 'text', memo: bytes.toString('utf8'), memoBytes: bytes.toString('base64') };
    }
    case 'memoId': return { memoType: 'id', memo: memo.id().toString() };
    case 'memoHash': return { memoType: 'hash', memo: memo.hash().toString('base64') };
    case 'memoReturn': return { memoType: 'return', memo: memo.retHash().toString('base64') };
    default: return { memoType: 'none' };
  }
}

export interface BuiltRecords {
  transaction: TransactionRecord;
  operations: OperationRecord[];
  effects: EffectRecord[];
  trades: TradeRecord[];
}

export function buildRecords(a: AppliedTx, ledger: number, applicationOrder: number, closedAt: string): BuiltRecords {
  const env = a.envelope;
  const tx = env.tx;
  const fb = env.feeBump;
  const sigs = (fb ? fb.signatures : tx.signatures).map((s) => s.signature().toString('base64'));
  const transaction: TransactionRecord = {
    hash: env.hashHex,
    ledger,
    applicationOrder,
    pagingToken: toid(ledger, applicationOrder, 0).toString(),
    successful: a.successful,
    sourceAccount: tx.sourceId,
    sourceAccountSequence: tx.seqNum.toString(),
    feeAccount: env.feeSourceId,
    feeCharged: a.feeCharged,
    maxFee: env.maxFee,
    operationCount: tx.ops.length,
    envelopeXdr: env.xdr,
    resultXdr: a.resultXdr,
    resultMetaXdr: emptyMeta(tx.ops.length),
    feeMetaXdr: EMPTY_CHANGES,
    ...memoFields(tx.memo),
    signatures: sigs,
    validAfter: isoSeconds(tx.cond.minTime),
    createdAt: closedAt,
  };
  if (tx.cond.maxTime !== 0n) transaction.validBefore = isoSeconds(tx.cond.maxTime);
  if (fb) {
    transaction.feeBump = { hash: fb.hashHex, signatures: sigs };
    transaction.innerTransaction = {
      hash: tx.hashHex, signatures: tx.signatures.map((s) => s.signature().toString('base64')), maxFee: tx.fee,
    };
  }
  if (!a.successful) transaction.resultCodes = a.codes;

  const operations: OperationRecord[] = [];
  const effects: EffectRecord[] = [];
  const trades: TradeRecord[] = [];
  a.ops.forEach((o, i) => {
    const opId = toid(ledger, applicationOrder, i + 1).toString();
    operations.push({
      id: opId,
      transactionHash: env.hashHex,
      transactionSuccessful: a.successful,
      ledger,
      applicationOrder,
      sourceAccount: o.sourceId,
      type: horizonType(o.op.type),
      typeI: o.op.typeI,
      createdAt: closedAt,
      details: o.details,
      participants: participants(o.sourceId, o.details, o.trades.map((t) => t.sellerId)),
    });
    const padded = opId.padStart(19, '0');
    o.effects.forEach((e, j) => {
      effects.push({
        ...e,
        id: `${padded}-${String(j + 1).padStart(10, '0')}`,
        pagingToken: `${opId}-${j + 1}`,
        operationId: opId,
        createdAt: closedAt,
      });
    });
    o.trades.forEach((t, j) => {
      trades.push({ ...t, id: `${opId}-${j}`, operationId: opId, ledger, ledgerCloseTime: closedAt });
    });
  });
  return { transaction, operations, effects, trades };
}
