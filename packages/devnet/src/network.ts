/**
 * The embedded network: ledger close (on every submission, or every N ms with a cap
 * on operations per ledger, like pubnet), the submission queue, the root account
 * and friendbot, history records and the durable ledger log.
 *
 * Submissions are applied strictly in arrival order. A submission resolves once its
 * ledger is closed, indexed and (with a data directory) fsync'd, as Horizon's
 * synchronous submit answers once the transaction is in a closed ledger.
 */
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { Keypair, Operation, TransactionBuilder, Account, xdr } from '@stellar/stellar-sdk';
import { AccountId } from './state/entries';
import { LedgerState } from './state/ledger-state';
import { ClosedLedger, LedgerRecord, TransactionRecord } from './history/records';
import { HistoryStore } from './history/store';
import { LedgerHeaderInfo } from './ops/types';
import { LedgerLog, LogEntry, restore } from './persistence';
import { AppliedTx, Envelope, TxCodes, apply, chargeFee, checkValid, parseEnvelope } from './transaction';
import { buildRecords, isoSeconds } from './tx-records';

export interface DevnetOptions {
  passphrase?: string;
  baseFee?: number;
  baseReserve?: bigint;
  /** 'instant' (default): close on every submission; N: every N ms. */
  close?: 'instant' | number;
  /** Default 1000 when timed. */
  maxOpsPerLedger?: number;
  /** Durability; absent = memory only. */
  dataDir?: string;
}

export type SubmitOutcome =
  | { ok: true; record: TransactionRecord }
  | { ok: false; status: 400; resultXdr: string; envelopeXdr: string; codes: TxCodes; hash: string }
  | { ok: false; status: 400; malformed: string };

export const DEFAULT_PASSPHRASE = 'Standalone Network ; February 2017';
export const PROTOCOL_VERSION = 21;
/** 100 billion XLM in stroops. */
export const TOTAL_COINS = 100_000_000_000n * 10_000_000n;
export const FRIENDBOT_STARTING_BALANCE = '10000';
/** Ledgers between state snapshots (the log replays the rest at start-up). */
const SNAPSHOT_EVERY = 5000;

interface LastClosed {
  seq: number;
  hash: Buffer;
  closeTime: bigint;
  feePool: bigint;
  bucketHash: Buffer;
}

interface Pending {
  /** Built lazily for friendbot, whose sequence number is only known when it runs. */
  envelope: Envelope | (() => Envelope);
  resolve(o: SubmitOutcome): void;
}

const ZERO_HASH = Buffer.alloc(32);

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

export class Devnet extends EventEmitter {
  readonly passphrase: string;
  readonly networkId: Buffer;
  readonly baseFee: number;
  readonly baseReserve: bigint;
  private readonly mode: 'instant' | number;
  private readonly maxOps: number;
  private readonly root: Keypair;

  private lcl!: LastClosed;
  private queue: Pending[] = [];
  /** Hash → outcome promise of submissions not yet in a closed ledger. */
  private inFlight = new Map<string, Promise<SubmitOutcome>>();
  /** Sequence numbers of transactions queued but not applied (timed mode). */
  private queuedSeq = new Map<AccountId, bigint>();
  private drainScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private ledgersSinceSnapshot = 0;

  private constructor(
    opts: DevnetOptions,
    readonly state: LedgerState,
    readonly history: HistoryStore,
    private readonly log: LedgerLog | undefined,
  ) {
    super();
    this.setMaxListeners(0);
    this.passphrase = opts.passphrase ?? DEFAULT_PASSPHRASE;
    this.networkId = sha256(Buffer.from(this.passphrase, 'utf8'));
    this.baseFee = opts.baseFee ?? 100;
    this.baseReserve = opts.baseReserve ?? 5_000_000n;
    this.mode = opts.close ?? 'instant';
    this.maxOps = opts.maxOpsPerLedger ?? 1000;
    this.root = Keypair.fromRawEd25519Seed(this.networkId);
  }

  /** Opens the network, restoring it from `dataDir` when that holds a ledger log. */
  static async open(opts: DevnetOptions = {}): Promise<Devnet> {
    if (opts.close !== undefined && opts.close !== 'instant' && !(Number.isInteger(opts.close) && opts.close > 0)) {
      throw new Error(`close must be 'instant' or a positive number of milliseconds, got ${String(opts.close)}`);
    }
    let net: Devnet;
    if (opts.dataDir) {
      const log = await LedgerLog.open(opts.dataDir);
      const restored = restore(log.load());
      net = new Devnet(opts, restored.state, restored.history, log);
      if (restored.last) net.resume(restored.last); else net.genesis();
    } else {
      net = new Devnet(opts, new LedgerState(), new HistoryStore(), undefined);
      net.genesis();
    }
    if (net.mode !== 'instant') {
      net.timer = setInterval(() => net.closeTimed(), net.mode);
      net.timer.unref?.();
    }
    return net;
  }

  rootKeypair(): Keypair {
    return this.root;
  }

  /** The last closed ledger. */
  header(): LedgerHeaderInfo & { hash: string } {
    return {
      seq: this.lcl.seq, closeTime: this.lcl.closeTime, baseFee: this.baseFee, baseReserve: this.baseReserve,
      hash: this.lcl.hash.toString('hex'),
    };
  }

  submit(envelopeXdr: string): Promise<SubmitOutcome> {
    let env: Envelope;
    try {
      env = parseEnvelope(envelopeXdr, this.networkId);
    } catch (err) {
      return Promise.resolve({ ok: false, status: 400, malformed: (err as Error).message || 'undecodable XDR' });
    }
    const known = this.known(env.hashHex);
    if (known) return Promise.resolve(known);
    const flying = this.inFlight.get(env.hashHex);
    if (flying) return flying;
    return this.enqueue(env, env.hashHex);
  }

  /** Funds a new account with 10,000 XLM from the root, through the same queue. */
  friendbot(accountId: string): Promise<SubmitOutcome> {
    const build = (): Envelope => {
      const seq = this.queuedSeq.get(this.root.publicKey()) ?? this.state.getAccount(this.root.publicKey())!.seqNum;
      const tx = new TransactionBuilder(new Account(this.root.publicKey(), seq.toString()), {
        fee: String(this.baseFee), networkPassphrase: this.passphrase,
      })
        .addOperation(Operation.createAccount({ destination: accountId, startingBalance: FRIENDBOT_STARTING_BALANCE }))
        .setTimeout(0)
        .build();
      tx.sign(this.root);
      return parseEnvelope(tx.toXDR(), this.networkId);
    };
    if (this.mode === 'instant') return this.enqueue(build, null);
    try {
      return this.enqueue(build(), null);
    } catch (err) {
      return Promise.resolve({ ok: false, status: 400, malformed: (err as Error).message });
    }
  }

  /** Closes what is queued, writes a snapshot and releases the data directory. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    while (this.queue.length > 0) {
      if (this.mode === 'instant') this.drainInstant(); else this.closeTimed(true);
    }
    if (this.log) {
      if (this.ledgersSinceSnapshot > 0) this.snapshot();
      this.log.close();
    }
    this.removeAllListeners();
  }

  // ---- submission queue -----------------------------------------------------------

  /** A transaction already in a closed ledger answers with its stored result. */
  private known(hash: string): SubmitOutcome | undefined {
    const rec = this.history.transaction(hash);
    if (!rec) return undefined;
    if (rec.successful) return { ok: true, record: rec };
    return {
      ok: false, status: 400, resultXdr: rec.resultXdr, envelopeXdr: rec.envelopeXdr,
      codes: rec.resultCodes ?? { transaction: 'tx_failed' }, hash: rec.hash,
    };
  }

  private enqueue(envelope: Envelope | (() => Envelope), hash: string | null): Promise<SubmitOutcome> {
    if (this.closing) {
      return Promise.resolve({ ok: false, status: 400, malformed: 'the network is shutting down' });
    }
    if (this.mode !== 'instant' && typeof envelope !== 'function') {
      // Timed: turned away at once when invalid against the last closed ledger.
      const rejected = this.validate(envelope, this.nextHeader(), this.queuedSeq);
      if (rejected) return Promise.resolve(rejected);
      this.noteQueued(envelope, this.queuedSeq);
    }
    const p = new Promise<SubmitOutcome>((resolve) => this.queue.push({ envelope, resolve }));
    if (hash) {
      this.inFlight.set(hash, p);
      void p.then(() => this.inFlight.delete(hash));
    }
    if (this.mode === 'instant' && !this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => this.drainInstant());
    }
    return p;
  }

  private validate(env: Envelope, header: LedgerHeaderInfo, seqs: Map<AccountId, bigint>): SubmitOutcome | null {
    const r = checkValid(env, this.state, header, seqs.get(env.tx.sourceId));
    if (!r) return null;
    return { ok: false, status: 400, resultXdr: r.resultXdr, envelopeXdr: env.xdr, codes: r.codes, hash: env.hashHex };
  }

  private noteQueued(env: Envelope, seqs: Map<AccountId, bigint>): void {
    seqs.set(env.tx.sourceId, env.tx.seqNum);
  }

  /** Instant mode: every queued submission becomes its own ledger; one fsync for the lot. */
  private drainInstant(): void {
    this.drainScheduled = false;
    const batch = this.queue;
    this.queue = [];
    const entries: LogEntry[] = [];
    const closed: ClosedLedger[] = [];
    const answers: Array<() => void> = [];
    for (const p of batch) {
      let env: Envelope;
      try {
        env = typeof p.envelope === 'function' ? p.envelope() : p.envelope;
      } catch (err) {
        answers.push(() => p.resolve({ ok: false, status: 400, malformed: (err as Error).message }));
        continue;
      }
      const rejected = this.validate(env, this.nextHeader(), new Map());
      if (rejected) {
        answers.push(() => p.resolve(rejected));
        continue;
      }
      const { closed: c, applied, entry } = this.closeLedger([env]);
      closed.push(c);
      if (entry) entries.push(entry);
      const rec = c.transactions[0];
      answers.push(() => p.resolve(this.outcome(applied[0], rec)));
    }
    this.finish(entries, closed, answers);
  }

  /**
   * Timed mode: one ledger with at most maxOps operations; the rest waits. Like a
   * transaction-set builder filling capacity, a transaction that does not fit waits for
   * the next ledger while later ones that fit still go in; a waiting source's later
   * transactions wait too, so sequence numbers stay in order.
   */
  private closeTimed(flush = false): void {
    if (this.closing && !flush) return;
    const take: Array<{ p: Pending; env: Envelope }> = [];
    const answers: Array<() => void> = [];
    const seqs = new Map<AccountId, bigint>();
    const header = this.nextHeader();
    const waiting: Pending[] = [];
    const waitingSources = new Set<AccountId>();
    let ops = 0;
    for (const p of this.queue) {
      const env = p.envelope as Envelope;
      const n = env.tx.ops.length + (env.feeBump ? 1 : 0);
      if (waitingSources.has(env.tx.sourceId) || (ops + n > this.maxOps && take.length > 0)) {
        waiting.push(p);
        waitingSources.add(env.tx.sourceId);
        continue;
      }
      // Re-checked in order: an earlier transaction may have invalidated this one.
      const rejected = this.validate(env, header, seqs);
      if (rejected) {
        answers.push(() => p.resolve(rejected));
        continue;
      }
      this.noteQueued(env, seqs);
      take.push({ p, env });
      ops += n;
    }
    this.queue = waiting;
    this.queuedSeq = new Map();
    for (const p of this.queue) this.noteQueued(p.envelope as Envelope, this.queuedSeq);

    const { closed, applied, entry } = this.closeLedger(take.map((t) => t.env));
    take.forEach((t, j) => answers.push(() => t.p.resolve(this.outcome(applied[j], closed.transactions[j]))));
    this.finish(entry ? [entry] : [], [closed], answers);
  }

  /** Durable first, then the world hears about it, then the submitters. */
  private finish(entries: LogEntry[], closed: ClosedLedger[], answers: Array<() => void>): void {
    if (this.log && entries.length > 0) {
      this.log.appendBatch(entries);
      this.ledgersSinceSnapshot += entries.length;
      if (this.ledgersSinceSnapshot >= SNAPSHOT_EVERY) this.snapshot();
    }
    for (const c of closed) this.emit('ledger', c);
    for (const a of answers) a();
  }

  private outcome(a: AppliedTx, rec: TransactionRecord): SubmitOutcome {
    if (a.successful) return { ok: true, record: rec };
    return { ok: false, status: 400, resultXdr: a.resultXdr, envelopeXdr: a.envelope.xdr, codes: a.codes, hash: rec.hash };
  }

  private snapshot(): void {
    this.log!.writeSnapshot({ ledgerSeq: this.lcl.seq, idPool: this.state.idPool, state: this.state.snapshot() });
    this.ledgersSinceSnapshot = 0;
  }

  // ---- ledgers --------------------------------------------------------------------

  /** The header of the ledger being built next (close time: now, never before the last). */
  private nextHeader(): LedgerHeaderInfo {
    const now = nowSeconds();
    return {
      seq: this.lcl.seq + 1,
      closeTime: now > this.lcl.closeTime ? now : this.lcl.closeTime,
      baseFee: this.baseFee,
      baseReserve: this.baseReserve,
    };
  }

  /** Fees of the whole set first (stellar-core's processFeesSeqNums), then each transaction. */
  private closeLedger(envs: Envelope[]): { closed: ClosedLedger; applied: AppliedTx[]; entry?: LogEntry } {
    const header = this.nextHeader();
    this.state.ledgerSeq = header.seq;
    let feePool = this.lcl.feePool;
    const fees = envs.map((e) => {
      const f = chargeFee(e, this.state, header);
      feePool += f;
      return f;
    });
    const applied = envs.map((e, i) => apply(e, this.state, header, fees[i]));

    const closedAt = isoSeconds(header.closeTime);
    const closed: ClosedLedger = { ledger: undefined as unknown as LedgerRecord, transactions: [], operations: [], effects: [], trades: [] };
    let ok = 0;
    let okOps = 0;
    let allOps = 0;
    applied.forEach((a, i) => {
      const r = buildRecords(a, header.seq, i + 1, closedAt);
      closed.transactions.push(r.transaction);
      for (const o of r.operations) closed.operations.push(o);
      for (const e of r.effects) closed.effects.push(e);
      for (const t of r.trades) closed.trades.push(t);
      allOps += a.envelope.tx.ops.length;
      if (a.successful) { ok++; okOps += a.envelope.tx.ops.length; }
    });
    closed.ledger = this.seal(header, feePool, applied, {
      successfulTransactionCount: ok, failedTransactionCount: applied.length - ok,
      operationCount: okOps, txSetOperationCount: allOps,
    });
    this.history.append(closed);
    const entry = this.log
      ? { closed, changes: this.state.takeChanges(), idPool: this.state.idPool }
      : undefined;
    if (!this.log) this.state.takeChanges();
    return { closed, applied, entry };
  }

  /** Builds and hashes the ledger header (xdr.LedgerHeader), advancing the chain. */
  private seal(
    header: LedgerHeaderInfo, feePool: bigint, applied: AppliedTx[],
    counts: Pick<LedgerRecord, 'successfulTransactionCount' | 'failedTransactionCount' | 'operationCount' | 'txSetOperationCount'>,
  ): LedgerRecord {
    const prev = this.lcl;
    const txSetHash = sha256(prev.hash, ...applied.map((a) => a.envelope.tx.hash));
    const resultHash = sha256(...applied.map((a) => Buffer.from(a.resultXdr, 'base64')));
    // No bucket list here: chain the result hashes so the field still commits to history.
    const bucketHash = sha256(prev.bucketHash, resultHash);
    const headerXdr = this.headerXdr(header.seq, header.closeTime, prev.hash, txSetHash, resultHash, bucketHash, feePool);
    const hash = sha256(headerXdr);
    this.lcl = { seq: header.seq, hash, closeTime: header.closeTime, feePool, bucketHash };
    return {
      sequence: header.seq,
      hash: hash.toString('hex'),
      prevHash: prev.hash.toString('hex'),
      closedAt: isoSeconds(header.closeTime),
      ...counts,
      totalCoins: TOTAL_COINS,
      feePool,
      baseFee: this.baseFee,
      baseReserve: this.baseReserve,
      maxTxSetSize: this.maxOps,
      protocolVersion: PROTOCOL_VERSION,
      headerXdr: headerXdr.toString('base64'),
    };
  }

  private headerXdr(
    seq: number, closeTime: bigint, prevHash: Buffer, txSetHash: Buffer, resultHash: Buffer, bucketHash: Buffer,
    feePool: bigint,
  ): Buffer {
    return new xdr.LedgerHeader({
      ledgerVersion: PROTOCOL_VERSION,
      previousLedgerHash: prevHash,
      scpValue: new xdr.StellarValue({
        txSetHash,
        closeTime: xdr.Uint64.fromString(closeTime.toString()),
        upgrades: [],
        ext: xdr.StellarValueExt.stellarValueBasic(),
      }),
      txSetResultHash: resultHash,
      bucketListHash: bucketHash,
      ledgerSeq: seq,
      totalCoins: xdr.Int64.fromString(TOTAL_COINS.toString()),
      feePool: xdr.Int64.fromString(feePool.toString()),
      inflationSeq: 0,
      idPool: xdr.Uint64.fromString(this.state.idPool.toString()),
      baseFee: this.baseFee,
      baseReserve: Number(this.baseReserve),
      maxTxSetSize: this.maxOps,
      skipList: [ZERO_HASH, ZERO_HASH, ZERO_HASH, ZERO_HASH],
      ext: new xdr.LedgerHeaderExt(0),
    }).toXDR();
  }

  /** Ledger 1: the root account holds every lumen (stellar-core's genesis). */
  private genesis(): void {
    const closeTime = nowSeconds();
    this.lcl = { seq: 0, hash: ZERO_HASH, closeTime, feePool: 0n, bucketHash: ZERO_HASH };
    this.state.ledgerSeq = 1;
    this.state.putAccount({
      accountId: this.root.publicKey(), balance: TOTAL_COINS, seqNum: 0n, seqLedger: 0, seqTime: 0n,
      numSubEntries: 0, inflationDest: null, flags: 0, homeDomain: '', thresholds: [1, 0, 0, 0], signers: [],
      buyingLiabilities: 0n, sellingLiabilities: 0n, numSponsored: 0, numSponsoring: 0, sponsor: null,
    });
    const ledger = this.seal({ seq: 1, closeTime, baseFee: this.baseFee, baseReserve: this.baseReserve }, 0n, [], {
      successfulTransactionCount: 0, failedTransactionCount: 0, operationCount: 0, txSetOperationCount: 0,
    });
    const closed: ClosedLedger = { ledger, transactions: [], operations: [], effects: [], trades: [] };
    this.history.append(closed);
    const changes = this.state.takeChanges();
    if (this.log) this.log.append({ closed, changes, idPool: this.state.idPool });
  }

  /** Continue the chain from the last logged ledger. */
  private resume(last: LedgerRecord): void {
    const h = xdr.LedgerHeader.fromXDR(Buffer.from(last.headerXdr, 'base64'));
    this.lcl = {
      seq: last.sequence,
      hash: Buffer.from(last.hash, 'hex'),
      closeTime: BigInt(h.scpValue().closeTime().toString()),
      feePool: last.feePool,
      bucketHash: h.bucketListHash(),
    };
    this.state.ledgerSeq = last.sequence;
  }
}
