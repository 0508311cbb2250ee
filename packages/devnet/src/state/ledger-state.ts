/**
 * The whole ledger of the embedded network, in memory, with an undo log.
 *
 * stellar-core nests LedgerTxn objects so that a failed operation or transaction
 * rolls back. We get the same effect more cheaply: every write goes straight to the
 * live maps and records the previous value; `savepoint()` marks the log and
 * `rollback(sp)` replays it backwards. Secondary indexes (order books, per-account
 * trustlines, data and offers) are maintained on every write and therefore undone
 * with it, so a query inside an operation always sees that operation's own writes.
 */
import {
  AccountEntry, AccountId, AssetKey, DataEntry, OfferEntry, TrustLineEntry, comparePrice,
} from './entries';

type Undo =
  | { kind: 'account'; key: AccountId; prev: AccountEntry | undefined }
  | { kind: 'trustline'; key: AccountId; asset: AssetKey; prev: TrustLineEntry | undefined }
  | { kind: 'offer'; key: bigint; prev: OfferEntry | undefined }
  | { kind: 'data'; key: AccountId; name: string; prev: DataEntry | undefined }
  | { kind: 'sponsoring'; key: AccountId; prev: AccountId | undefined }
  | { kind: 'offerId'; prev: bigint };

/** A post-image (or deletion) of one entry, for the durable ledger log. */
export type EntryChange =
  | { kind: 'account'; id: AccountId; entry: AccountEntry | null }
  | { kind: 'trustline'; id: AccountId; asset: AssetKey; entry: TrustLineEntry | null }
  | { kind: 'offer'; id: bigint; entry: OfferEntry | null }
  | { kind: 'data'; id: AccountId; name: string; entry: DataEntry | null };

export interface LedgerStateSnapshot {
  accounts: AccountEntry[];
  trustlines: TrustLineEntry[];
  offers: OfferEntry[];
  data: DataEntry[];
  lastOfferId: bigint;
}

export class LedgerState {
  private accounts = new Map<AccountId, AccountEntry>();
  private trustlines = new Map<AccountId, Map<AssetKey, TrustLineEntry>>();
  private offers = new Map<bigint, OfferEntry>();
  private offersByAccount = new Map<AccountId, Set<bigint>>();
  /** "selling|buying" → offers sorted best first (lowest price, then oldest id). */
  private books = new Map<string, OfferEntry[]>();
  private data = new Map<AccountId, Map<string, DataEntry>>();
  /** Transaction-scoped: sponsored account → account sponsoring its future reserves. */
  private sponsoring = new Map<AccountId, AccountId>();
  private lastOfferId = 0n;
  /** Bumped on every offer write or undo, so order-book caches (path finding) know when to rebuild. */
  private offerWrites = 0;
  private undo: Undo[] = [];
  /** Undo-log positions of the open savepoints, outermost first. */
  private marks: number[] = [];
  /** Keys written since the last takeChanges(), for the durable log. */
  private dirty = new Map<string, () => EntryChange>();

  /** Ledger sequence stamped as lastModified on every write. */
  ledgerSeq = 1;

  // ---- savepoints -------------------------------------------------------------

  /**
   * Mark the log; the returned token undoes everything written after it. Tokens nest:
   * committing or rolling back one also closes any savepoint opened after it, so an
   * operation that throws with its own savepoints open cannot unbalance the stack.
   */
  savepoint(): number {
    this.marks.push(this.undo.length);
    return this.marks.length - 1;
  }

  /** Keep the writes since `sp`; the log is dropped once no savepoint is open. */
  commit(sp: number): void {
    this.marks.length = sp;
    if (sp === 0) this.undo.length = 0;
  }

  rollback(sp: number): void {
    const to = this.marks[sp];
    while (this.undo.length > to) this.revert(this.undo.pop()!);
    this.marks.length = sp;
    if (sp === 0) this.undo.length = 0;
  }

  private log(u: Undo): void {
    if (this.marks.length > 0) this.undo.push(u);
  }

  private revert(u: Undo): void {
    switch (u.kind) {
      case 'account': this.setAccount(u.key, u.prev); break;
      case 'trustline': this.setTrustLine(u.key, u.asset, u.prev); break;
      case 'offer': this.setOffer(u.key, u.prev); break;
      case 'data': this.setData(u.key, u.name, u.prev); break;
      case 'sponsoring':
        if (u.prev === undefined) this.sponsoring.delete(u.key); else this.sponsoring.set(u.key, u.prev);
        break;
      case 'offerId': this.lastOfferId = u.prev; break;
    }
  }

  // ---- accounts ---------------------------------------------------------------

  getAccount(id: AccountId): AccountEntry | undefined {
    return this.accounts.get(id);
  }

  putAccount(e: Omit<AccountEntry, 'lastModified'> & { lastModified?: number }): AccountEntry {
    const entry = { ...e, lastModified: this.ledgerSeq } as AccountEntry;
    this.log({ kind: 'account', key: e.accountId, prev: this.accounts.get(e.accountId) });
    this.setAccount(e.accountId, entry);
    return entry;
  }

  deleteAccount(id: AccountId): void {
    this.log({ kind: 'account', key: id, prev: this.accounts.get(id) });
    this.setAccount(id, undefined);
  }

  accountCount(): number {
    return this.accounts.size;
  }

  allAccounts(): IterableIterator<AccountEntry> {
    return this.accounts.values();
  }

  private setAccount(id: AccountId, e: AccountEntry | undefined): void {
    this.dirty.set(`a|${id}`, () => ({ kind: 'account', id, entry: this.accounts.get(id) ?? null }));
    if (e) this.accounts.set(id, e); else this.accounts.delete(id);
  }

  // ---- trustlines -------------------------------------------------------------

  getTrustLine(accountId: AccountId, asset: AssetKey): TrustLineEntry | undefined {
    return this.trustlines.get(accountId)?.get(asset);
  }

  /** Trustlines of one account, in creation order. */
  trustLinesOf(accountId: AccountId): TrustLineEntry[] {
    const m = this.trustlines.get(accountId);
    return m ? [...m.values()] : [];
  }

  putTrustLine(e: Omit<TrustLineEntry, 'lastModified'> & { lastModified?: number }): TrustLineEntry {
    const entry = { ...e, lastModified: this.ledgerSeq } as TrustLineEntry;
    this.log({ kind: 'trustline', key: e.accountId, asset: e.asset, prev: this.getTrustLine(e.accountId, e.asset) });
    this.setTrustLine(e.accountId, e.asset, entry);
    return entry;
  }

  deleteTrustLine(accountId: AccountId, asset: AssetKey): void {
    this.log({ kind: 'trustline', key: accountId, asset, prev: this.getTrustLine(accountId, asset) });
    this.setTrustLine(accountId, asset, undefined);
  }

  private setTrustLine(accountId: AccountId, asset: AssetKey, e: TrustLineEntry | undefined): void {
    this.dirty.set(`t|${accountId}|${asset}`, () => ({
      kind: 'trustline', id: accountId, asset, entry: this.getTrustLine(accountId, asset) ?? null,
    }));
    let m = this.trustlines.get(accountId);
    if (e) {
      if (!m) this.trustlines.set(accountId, (m = new Map()));
      m.set(asset, e);
    } else if (m) {
      m.delete(asset);
      if (m.size === 0) this.trustlines.delete(accountId);
    }
  }

  // ---- offers -----------------------------------------------------------------

  getOffer(offerId: bigint): OfferEntry | undefined {
    return this.offers.get(offerId);
  }

  offersOf(accountId: AccountId): OfferEntry[] {
    const ids = this.offersByAccount.get(accountId);
    return ids ? [...ids].sort((a, b) => (a < b ? -1 : 1)).map((id) => this.offers.get(id)!) : [];
  }

  allOffers(): IterableIterator<OfferEntry> {
    return this.offers.values();
  }

  /** Offers selling `selling` for `buying`, best first. Do not modify the array. */
  book(selling: AssetKey, buying: AssetKey): readonly OfferEntry[] {
    return this.books.get(`${selling}|${buying}`) ?? [];
  }

  /** Every non-empty book as [selling, buying] pairs (for path finding). */
  bookPairs(): Array<[AssetKey, AssetKey]> {
    return [...this.books.keys()].map((k) => k.split('|') as [AssetKey, AssetKey]);
  }

  /** The ledger-wide offer id counter (the header's idPool), for the durable log. */
  get idPool(): bigint {
    return this.lastOfferId;
  }

  set idPool(v: bigint) {
    this.lastOfferId = v;
  }

  nextOfferId(): bigint {
    this.log({ kind: 'offerId', prev: this.lastOfferId });
    return ++this.lastOfferId;
  }

  putOffer(e: Omit<OfferEntry, 'lastModified'> & { lastModified?: number }): OfferEntry {
    const entry = { ...e, lastModified: this.ledgerSeq } as OfferEntry;
    this.log({ kind: 'offer', key: e.offerId, prev: this.offers.get(e.offerId) });
    this.setOffer(e.offerId, entry);
    return entry;
  }

  deleteOffer(offerId: bigint): void {
    this.log({ kind: 'offer', key: offerId, prev: this.offers.get(offerId) });
    this.setOffer(offerId, undefined);
  }

  /** Changes whenever any offer is written, deleted or restored. */
  get offersVersion(): number {
    return this.offerWrites;
  }

  private setOffer(id: bigint, e: OfferEntry | undefined): void {
    this.offerWrites++;
    this.dirty.set(`o|${id}`, () => ({ kind: 'offer', id, entry: this.offers.get(id) ?? null }));
    const prev = this.offers.get(id);
    if (prev) {
      this.removeFromBook(prev);
      const ids = this.offersByAccount.get(prev.sellerId)!;
      ids.delete(id);
      if (ids.size === 0) this.offersByAccount.delete(prev.sellerId);
    }
    if (e) {
      this.offers.set(id, e);
      this.insertInBook(e);
      let ids = this.offersByAccount.get(e.sellerId);
      if (!ids) this.offersByAccount.set(e.sellerId, (ids = new Set()));
      ids.add(id);
    } else {
      this.offers.delete(id);
    }
  }

  private static better(a: OfferEntry, b: OfferEntry): number {
    return comparePrice(a.price, b.price) || (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0);
  }

  private insertInBook(e: OfferEntry): void {
    const key = `${e.selling}|${e.buying}`;
    let book = this.books.get(key);
    if (!book) this.books.set(key, (book = []));
    let lo = 0;
    let hi = book.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (LedgerState.better(book[mid], e) < 0) lo = mid + 1; else hi = mid;
    }
    book.splice(lo, 0, e);
  }

  private removeFromBook(e: OfferEntry): void {
    const key = `${e.selling}|${e.buying}`;
    const book = this.books.get(key)!;
    let lo = 0;
    let hi = book.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (LedgerState.better(book[mid], e) < 0) lo = mid + 1; else hi = mid;
    }
    book.splice(lo, 1);
    if (book.length === 0) this.books.delete(key);
  }

  // ---- data entries -----------------------------------------------------------

  getData(accountId: AccountId, name: string): DataEntry | undefined {
    return this.data.get(accountId)?.get(name);
  }

  dataOf(accountId: AccountId): DataEntry[] {
    const m = this.data.get(accountId);
    return m ? [...m.values()] : [];
  }

  putData(e: Omit<DataEntry, 'lastModified'> & { lastModified?: number }): DataEntry {
    const entry = { ...e, lastModified: this.ledgerSeq } as DataEntry;
    this.log({ kind: 'data', key: e.accountId, name: e.name, prev: this.getData(e.accountId, e.name) });
    this.setData(e.accountId, e.name, entry);
    return entry;
  }

  deleteData(accountId: AccountId, name: string): void {
    this.log({ kind: 'data', key: accountId, name, prev: this.getData(accountId, name) });
    this.setData(accountId, name, undefined);
  }

  private setData(accountId: AccountId, name: string, e: DataEntry | undefined): void {
    this.dirty.set(`d|${accountId}|${name}`, () => ({
      kind: 'data', id: accountId, name, entry: this.getData(accountId, name) ?? null,
    }));
    let m = this.data.get(accountId);
    if (e) {
      if (!m) this.data.set(accountId, (m = new Map()));
      m.set(name, e);
    } else if (m) {
      m.delete(name);
      if (m.size === 0) this.data.delete(accountId);
    }
  }

  // ---- sponsorship of future reserves (transaction-scoped) ----------------------

  sponsorOf(sponsoredId: AccountId): AccountId | undefined {
    return this.sponsoring.get(sponsoredId);
  }

  /** True while `sponsorId` is sponsoring some account's future reserves. */
  isSponsoringFuture(sponsorId: AccountId): boolean {
    for (const s of this.sponsoring.values()) if (s === sponsorId) return true;
    return false;
  }

  setSponsoring(sponsoredId: AccountId, sponsorId: AccountId | undefined): void {
    this.log({ kind: 'sponsoring', key: sponsoredId, prev: this.sponsoring.get(sponsoredId) });
    if (sponsorId === undefined) this.sponsoring.delete(sponsoredId); else this.sponsoring.set(sponsoredId, sponsorId);
  }

  /** Sponsorships still open (checked at the end of every transaction). */
  openSponsorships(): number {
    return this.sponsoring.size;
  }

  // ---- durable log support ------------------------------------------------------

  /** Post-images of every entry written since the last call (rolled-back writes included, as their restored value). */
  takeChanges(): EntryChange[] {
    const out = [...this.dirty.values()].map((f) => f());
    this.dirty.clear();
    return out;
  }

  /** Apply logged post-images (replay at start-up). */
  applyChanges(changes: EntryChange[]): void {
    for (const c of changes) {
      switch (c.kind) {
        case 'account': this.setAccount(c.id, c.entry ?? undefined); break;
        case 'trustline': this.setTrustLine(c.id, c.asset, c.entry ?? undefined); break;
        case 'offer': this.setOffer(c.id, c.entry ?? undefined); break;
        case 'data': this.setData(c.id, c.name, c.entry ?? undefined); break;
      }
    }
    this.dirty.clear();
  }

  // ---- snapshots ----------------------------------------------------------------

  snapshot(): LedgerStateSnapshot {
    return {
      accounts: [...this.accounts.values()],
      trustlines: [...this.trustlines.values()].flatMap((m) => [...m.values()]),
      offers: [...this.offers.values()],
      data: [...this.data.values()].flatMap((m) => [...m.values()]),
      lastOfferId: this.lastOfferId,
    };
  }

  static restore(s: LedgerStateSnapshot, ledgerSeq: number): LedgerState {
    const st = new LedgerState();
    for (const a of s.accounts) st.setAccount(a.accountId, a);
    for (const t of s.trustlines) st.setTrustLine(t.accountId, t.asset, t);
    for (const o of s.offers) st.setOffer(o.offerId, o);
    for (const d of s.data) st.setData(d.accountId, d.name, d);
    st.lastOfferId = s.lastOfferId;
    st.ledgerSeq = ledgerSeq;
    st.dirty.clear();
    return st;
  }
}
