/**
 * Indexed history of the embedded network: every ledger, transaction, operation,
 * effect and trade ever closed, queryable the way Horizon pages them.
 *
 * Ledgers are appended in sequence order, so each flat array is already sorted by
 * paging token. Queries binary-search that order instead of keeping sorted maps, and
 * per-account indexes hold only array positions (small integers): with hundreds of
 * thousands of records the records themselves dominate memory, not the indexes.
 * Sort keys are derived from the records on demand (a TOID bigint plus a minor
 * index for effects and trades) rather than stored beside them.
 */
import {
  ClosedLedger, EffectRecord, LedgerRecord, OperationRecord, TradeRecord, TransactionRecord,
} from './records';

export type Order = 'asc' | 'desc';

/** A parsed position in one collection: TOID, then an index inside it (effects, trades). */
export interface Key {
  readonly major: bigint;
  readonly minor: number;
}

/** `cursor`: undefined = from the start (asc) or the end (desc); 'now' = the current end. */
export interface PageQuery {
  readonly cursor?: Key | 'now';
  readonly order: Order;
  readonly limit: number;
}

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 200;

/** Operation types Horizon's /payments serves. */
export const PAYMENT_TYPES: ReadonlySet<string> = new Set([
  'create_account', 'payment', 'path_payment_strict_receive', 'path_payment_strict_send', 'account_merge',
]);

const TOID_LEDGER_SHIFT = 32n;
const TOID_TX_SHIFT = 12n;

export function ledgerToid(seq: number): bigint {
  return BigInt(seq) << TOID_LEDGER_SHIFT;
}

function txKey(t: TransactionRecord): Key {
  return { major: (BigInt(t.ledger) << TOID_LEDGER_SHIFT) | (BigInt(t.applicationOrder) << TOID_TX_SHIFT), minor: 0 };
}
const opKey = (o: OperationRecord): Key => ({ major: BigInt(o.id), minor: 0 });
const ledgerKey = (l: LedgerRecord): Key => ({ major: ledgerToid(l.sequence), minor: 0 });
/** Effect ids are `${opId}-${index}`; the index starts at 1. */
const effectKey = (e: EffectRecord): Key => ({ major: BigInt(e.operationId), minor: minorOf(e.id) });
/** Trade ids are `${opId}-${index}`; the index starts at 0. */
const tradeKey = (t: TradeRecord): Key => ({ major: BigInt(t.operationId), minor: minorOf(t.id) });

function minorOf(id: string): number {
  const i = id.indexOf('-');
  return i < 0 ? 0 : Number(id.slice(i + 1));
}

export function compareKeys(a: Key, b: Key): number {
  return a.major < b.major ? -1 : a.major > b.major ? 1 : a.minor - b.minor;
}

/**
 * Parses a paging token. Horizon accepts a bare TOID everywhere and `toid-index`
 * for effects and trades; anything else (negative, non-numeric) is invalid → null.
 */
export function parseCursor(raw: string): Key | 'now' | null {
  if (raw === 'now') return 'now';
  const m = /^(\d{1,19})(?:-(\d{1,10}))?$/.exec(raw);
  if (!m) return null;
  const major = BigInt(m[1]);
  if (major > 0x7fffffffffffffffn) return null;
  return { major, minor: m[2] === undefined ? 0 : Number(m[2]) };
}

/** Key range [lo, hi) on `major`, to scope a collection to one ledger, transaction or operation. */
export interface Bounds {
  readonly lo: bigint;
  readonly hi: bigint;
}

export const ledgerBounds = (seq: number): Bounds => ({ lo: ledgerToid(seq), hi: ledgerToid(seq + 1) });

/** One sorted collection plus per-key position indexes. */
class Collection<T> {
  readonly items: T[] = [];
  private readonly byAccount = new Map<string, number[]>();

  constructor(readonly keyOf: (t: T) => Key) {}

  push(t: T, accounts: Iterable<string>): number {
    const pos = this.items.push(t) - 1;
    for (const a of accounts) {
      const list = this.byAccount.get(a);
      if (list) list.push(pos); else this.byAccount.set(a, [pos]);
    }
    return pos;
  }

  positionsOf(account: string): readonly number[] {
    return this.byAccount.get(account) ?? [];
  }

  /** A page over all items, or over `positions` when given, inside `bounds`, keeping those `where` accepts. */
  page(q: PageQuery, positions?: readonly number[], bounds?: Bounds, where?: (t: T) => boolean): T[] {
    const n = positions ? positions.length : this.items.length;
    const at = positions ? (i: number) => this.items[positions[i]] : (i: number) => this.items[i];
    // First index whose key is > k (strict) or >= k (not strict).
    const search = (k: Key, strict: boolean): number => {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const c = compareKeys(this.keyOf(at(mid)), k);
        if (c < 0 || (strict && c === 0)) lo = mid + 1; else hi = mid;
      }
      return lo;
    };
    let start = bounds ? search({ major: bounds.lo, minor: -1 }, false) : 0;
    let end = bounds ? search({ major: bounds.hi, minor: -1 }, false) : n;
    const out: T[] = [];
    if (q.order === 'asc') {
      if (q.cursor === 'now') return out;
      if (q.cursor) start = Math.max(start, search(q.cursor, true));
      for (let i = start; i < end && out.length < q.limit; i++) {
        const t = at(i);
        if (!where || where(t)) out.push(t);
      }
    } else {
      if (q.cursor && q.cursor !== 'now') end = Math.min(end, search(q.cursor, false));
      for (let i = end - 1; i >= start && out.length < q.limit; i--) {
        const t = at(i);
        if (!where || where(t)) out.push(t);
      }
    }
    return out;
  }

  /** Exact lookup by key (items are unique per key). */
  find(k: Key): T | undefined {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.keyOf(this.items[mid]), k);
      if (c === 0) return this.items[mid];
      if (c < 0) lo = mid + 1; else hi = mid;
    }
    return undefined;
  }
}

/** The filters Horizon offers on its history collections. */
export interface HistoryFilter {
  account?: string;
  ledger?: number;
  /** Transaction hash (transactions' operations/effects). */
  transaction?: string;
  /** Operation id (an operation's effects). */
  operation?: string;
  /** Offer id (trades of one offer). */
  offerId?: bigint;
  /** Horizon's include_failed: transactions and operations of failed transactions (default false). */
  includeFailed?: boolean;
}

export class HistoryStore {
  private readonly ledgers = new Collection<LedgerRecord>(ledgerKey);
  private readonly txs = new Collection<TransactionRecord>(txKey);
  private readonly ops = new Collection<OperationRecord>(opKey);
  private readonly payments = new Collection<OperationRecord>(opKey);
  private readonly effs = new Collection<EffectRecord>(effectKey);
  private readonly trds = new Collection<TradeRecord>(tradeKey);
  private readonly txByHash = new Map<string, number>();
  private readonly tradesByOffer = new Map<bigint, number[]>();

  /** Indexes one closed ledger. Ledgers must arrive in sequence order. */
  append(closed: ClosedLedger): void {
    const last = this.latestLedger();
    if (last && closed.ledger.sequence <= last.sequence) {
      throw new Error(`history: ledger ${closed.ledger.sequence} appended after ${last.sequence}`);
    }
    this.ledgers.push(closed.ledger, []);
    // A transaction involves its source, its fee payer and everyone its operations touched.
    const txAccounts = new Map<string, Set<string>>();
    for (const t of closed.transactions) {
      txAccounts.set(t.hash, new Set([t.sourceAccount, t.feeAccount]));
    }
    for (const o of closed.operations) {
      const set = txAccounts.get(o.transactionHash);
      if (set) for (const p of o.participants) set.add(p);
      const participants = uniq(o.participants, o.sourceAccount);
      this.ops.push(o, participants);
      if (PAYMENT_TYPES.has(o.type)) this.payments.push(o, participants);
    }
    for (const t of closed.transactions) {
      const pos = this.txs.push(t, txAccounts.get(t.hash)!);
      this.txByHash.set(t.hash, pos);
      // A fee-bump is also found by its inner transaction's hash, as Horizon does.
      if (t.innerTransaction && t.innerTransaction.hash !== t.hash) this.txByHash.set(t.innerTransaction.hash, pos);
    }
    for (const e of closed.effects) this.effs.push(e, [e.account]);
    for (const tr of closed.trades) {
      const pos = this.trds.push(tr, tr.sellerId === tr.takerId ? [tr.sellerId] : [tr.sellerId, tr.takerId]);
      for (const id of [tr.offerId, tr.takerOfferId]) {
        if (id === 0n) continue;
        const list = this.tradesByOffer.get(id);
        if (list) list.push(pos); else this.tradesByOffer.set(id, [pos]);
      }
    }
  }

  // ---- single records ---------------------------------------------------------

  latestLedger(): LedgerRecord | undefined {
    const l = this.ledgers.items;
    return l[l.length - 1];
  }

  /** The oldest ledger held (Horizon's history_elder_ledger). */
  elderLedger(): LedgerRecord | undefined {
    return this.ledgers.items[0];
  }

  ledger(seq: number): LedgerRecord | undefined {
    return this.ledgers.find({ major: ledgerToid(seq), minor: 0 });
  }

  transaction(hash: string): TransactionRecord | undefined {
    const pos = this.txByHash.get(hash);
    return pos === undefined ? undefined : this.txs.items[pos];
  }

  operation(id: string): OperationRecord | undefined {
    const k = parseCursor(id);
    return k && k !== 'now' ? this.ops.find(k) : undefined;
  }

  counts(): { ledgers: number; transactions: number; operations: number; effects: number; trades: number } {
    return {
      ledgers: this.ledgers.items.length,
      transactions: this.txs.items.length,
      operations: this.ops.items.length,
      effects: this.effs.items.length,
      trades: this.trds.items.length,
    };
  }

  // ---- pages ------------------------------------------------------------------

  ledgerPage(q: PageQuery): LedgerRecord[] {
    return this.ledgers.page(q);
  }

  transactionPage(q: PageQuery, f: HistoryFilter = {}): TransactionRecord[] {
    return this.scoped(this.txs, q, f, f.includeFailed ? undefined : (t) => t.successful);
  }

  operationPage(q: PageQuery, f: HistoryFilter = {}): OperationRecord[] {
    return this.scoped(this.ops, q, f, f.includeFailed ? undefined : (o) => o.transactionSuccessful);
  }

  paymentPage(q: PageQuery, f: HistoryFilter = {}): OperationRecord[] {
    return this.scoped(this.payments, q, f, f.includeFailed ? undefined : (o) => o.transactionSuccessful);
  }

  effectPage(q: PageQuery, f: HistoryFilter = {}): EffectRecord[] {
    return this.scoped(this.effs, q, f);
  }

  tradePage(q: PageQuery, f: HistoryFilter = {}): TradeRecord[] {
    if (f.offerId !== undefined) {
      return this.trds.page(q, this.tradesByOffer.get(f.offerId) ?? [], this.boundsOf(f) ?? undefined);
    }
    return this.scoped(this.trds, q, f);
  }

  private scoped<T>(c: Collection<T>, q: PageQuery, f: HistoryFilter, where?: (t: T) => boolean): T[] {
    const bounds = this.boundsOf(f);
    if (bounds === null) return [];
    return c.page(q, f.account !== undefined ? c.positionsOf(f.account) : undefined, bounds, where);
  }

  /** Bounds for ledger / transaction / operation scopes; null when the scope does not exist. */
  private boundsOf(f: HistoryFilter): Bounds | undefined | null {
    if (f.operation !== undefined) {
      const k = parseCursor(f.operation);
      return k && k !== 'now' ? { lo: k.major, hi: k.major + 1n } : null;
    }
    if (f.transaction !== undefined) {
      const t = this.transaction(f.transaction);
      if (!t) return null;
      const lo = txKey(t).major;
      return { lo, hi: lo + (1n << TOID_TX_SHIFT) };
    }
    if (f.ledger !== undefined) return ledgerBounds(f.ledger);
    return undefined;
  }
}

function uniq(list: readonly string[], extra: string): string[] {
  return list.includes(extra) ? [...new Set(list)] : [...new Set([...list, extra])];
}
