/**
 * The submission engine: every transaction the hub sends goes through here.
 *
 * - Channel accounts are the transaction sources; each channel has one transaction in
 *   flight at a time and a locally tracked sequence number, so concurrent callers never
 *   race on a sequence (the cause of Komunitin's tx_bad_seq). A bad sequence (someone
 *   else used the account) reloads it and retries, never reaching the caller.
 * - When a backlog forms, independent jobs are batched into one transaction of up to
 *   100 operations and 19 signers besides the channel. A batch that fails is split:
 *   the jobs whose operations failed are retried alone (their answer is then final), the
 *   others retried together, so one bad payment cannot sink the rest.
 * - The hub's sponsor pays every fee through a fee bump; an insufficient fee re-bumps
 *   the same inner transaction with a higher fee.
 * - A timeout never becomes a second payment: the same envelope is resubmitted and
 *   looked up until the ledger knows it, or until its time bounds have passed (then it
 *   can never apply and the jobs are rebuilt).
 */
import {
  Account, Horizon, Keypair, Transaction, TransactionBuilder, xdr,
} from '@stellar/stellar-sdk';
import { Logger } from '../../logger';
import { PostTransaction, horizonPoster } from './horizon-post';
import { signTransaction } from './signing';

export interface SubmissionJob {
  ops: xdr.Operation[];
  signers: Keypair[];
  /** Never batched with other jobs (provisioning, or the retry of a failed op). */
  solo?: boolean;
  /**
   * Upkeep (re-sizing trader offers): runs on the maintenance channel when there is one,
   * so the payment channels always carry full batches. One transaction per channel fits
   * in a ledger; a few upkeep operations in a payment channel's slot would waste it.
   */
  maintenance?: boolean;
  /**
   * Runs before each submission of an envelope carrying this job. The hooks of all jobs
   * in one envelope are called in the same turn, and it is sent only once all resolve.
   */
  onSubmit?: (s: { hash: string; envelope: string }) => Promise<void>;
}

export type JobOutcome =
  | { ok: true; hash: string; ledger: number; results: xdr.OperationResult[] }
  /** `code`: a Horizon operation code of this job's first failing op, or a tx code. */
  | { ok: false; code: string; opCodes: string[] };

type Lane = 'payment' | 'maintenance';

interface Pending {
  job: SubmissionJob;
  lane: Lane;
  resolve(o: JobOutcome): void;
}

/** Jobs not answered yet (queued or in flight), and how long the oldest has waited. */
export interface Waiting {
  jobs: number;
  oldestMs: number;
}

interface Channel {
  keypair: Keypair;
  /** Last sequence number used; null until loaded from the network. */
  seq: bigint | null;
  lane: Lane;
}

export interface SubmitterOptions {
  /** Sequences, look-ups after an unknown outcome, and the ledger clock. */
  server: Horizon.Server;
  /** Where envelopes go (POST /transactions); by default the same Horizon as `server`. */
  post?: PostTransaction;
  passphrase: string;
  sponsor: Keypair;
  channels: Keypair[];
  /** A channel for upkeep jobs only; without one they share the payment channels. */
  maintenanceChannel?: Keypair;
  logger: Logger;
  baseFee?: number;
  /** Fee-bump ceiling per operation, in stroops. */
  maxFee?: number;
  /** Time bounds of every transaction, seconds. */
  timeoutSec?: number;
  /** Operations a ledger takes (Horizon's max_tx_set_size); sizes the batches. */
  ledgerOps?: number;
}

const MAX_OPS = 100;
/** Room left in every ledger for the maintenance channel's upkeep transaction. */
const UPKEEP_OPS = 20;

/**
 * Operations per batch, so that one full batch from every payment channel plus an
 * upkeep transaction fit in one ledger: a channel has one transaction in flight, and a
 * ledger takes at most `ledgerOps` operations, a fee bump counting one more (stellar-core:
 * inner ops + 1). With 1000-op ledgers and 10 channels: 10 × (97 + 1) + 20 = 1000.
 */
export function batchSize(ledgerOps: number, channels: number): number {
  return Math.max(1, Math.min(MAX_OPS - 1, Math.floor((ledgerOps - UPKEEP_OPS) / channels) - 1));
}
const MAX_SIGNERS = 19; // 20 signatures per envelope, one is the channel's


/** Results of the operations of a (possibly fee-bumped) transaction result. */
export function operationResults(resultXdr: string): xdr.OperationResult[] {
  const r = xdr.TransactionResult.fromXDR(resultXdr, 'base64').result();
  const arm = r.switch().name;
  if (arm === 'txFeeBumpInnerSuccess' || arm === 'txFeeBumpInnerFailed') {
    return r.innerResultPair().result().result().results() ?? [];
  }
  return (r as unknown as { results(): xdr.OperationResult[] }).results?.() ?? [];
}

export class Submitter {
  private queues: Record<Lane, Pending[]> = { payment: [], maintenance: [] };
  /** Every job submitted and not yet answered, with when: in submission order, so the first is the oldest. */
  private readonly open = new Map<object, number>();
  private wake: (() => void) | null = null;
  private closed = false;
  private workers: Promise<void>[];
  private readonly channels: Channel[];
  private readonly baseFee: number;
  private readonly maxFee: number;
  private readonly timeoutSec: number;
  private readonly batchOps: number;
  private readonly post: PostTransaction;

  constructor(private readonly opts: SubmitterOptions) {
    this.post = opts.post ?? horizonPoster(opts.server.serverURL.toString());
    this.channels = opts.channels.map((keypair): Channel => ({ keypair, seq: null, lane: 'payment' }));
    if (opts.maintenanceChannel) this.channels.push({ keypair: opts.maintenanceChannel, seq: null, lane: 'maintenance' });
    this.baseFee = opts.baseFee ?? 100;
    this.maxFee = opts.maxFee ?? 10000;
    this.timeoutSec = opts.timeoutSec ?? 60;
    this.batchOps = batchSize(opts.ledgerOps ?? 1000, opts.channels.length);
    this.workers = this.channels.map((c) => this.work(c));
  }

  submit(job: SubmissionJob): Promise<JobOutcome> {
    if (this.closed) return Promise.reject(new Error('submitter closed'));
    if (job.ops.length > MAX_OPS) throw new Error(`a job has at most ${MAX_OPS} operations`);
    const lane: Lane = job.maintenance && this.opts.maintenanceChannel ? 'maintenance' : 'payment';
    const token = {};
    this.open.set(token, Date.now());
    return new Promise((resolve) => {
      this.queues[lane].push({ job, lane, resolve: (o) => { this.open.delete(token); resolve(o); } });
      this.notify();
    });
  }

  /**
   * What is waiting for the ledger's answer. A network that stops answering shows here
   * first: submissions keep being looked up until it answers (never paid twice), so the
   * oldest one grows old.
   */
  waiting(): Waiting {
    const first = this.open.values().next();
    return { jobs: this.open.size, oldestMs: first.done ? 0 : Date.now() - first.value };
  }

  /** Jobs waiting for a channel (a backlog when > 0). */
  get backlog(): number {
    return this.queues.payment.length + this.queues.maintenance.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify();
    await Promise.all(this.workers);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async work(channel: Channel): Promise<void> {
    const queue = () => this.queues[channel.lane];
    while (!this.closed || queue().length > 0) {
      const batch = this.take(channel.lane);
      if (batch.length === 0) {
        if (this.closed) return;
        await new Promise<void>((r) => {
          const prev = this.wake;
          this.wake = () => {
            prev?.();
            r();
          };
        });
        continue;
      }
      // More work may be waiting for another idle channel.
      if (queue().length > 0) this.notify();
      try {
        await this.run(channel, batch);
      } catch (err) {
        this.opts.logger.error({ err }, 'submission failed unexpectedly');
        for (const p of batch) p.resolve({ ok: false, code: 'tx_internal_error', opCodes: [] });
      }
    }
  }

  /** The next batch of a lane: one solo job, or as many batchable jobs as fit, in order. */
  private take(lane: Lane): Pending[] {
    const queue = this.queues[lane];
    const first = queue[0];
    if (!first) return [];
    if (first.job.solo) return [queue.shift()!];
    const batch: Pending[] = [];
    const signers = new Set<string>();
    let ops = 0;
    while (queue.length > 0) {
      const next = queue[0];
      if (next.job.solo) break;
      const more = next.job.signers.filter((k) => !signers.has(k.publicKey()));
      // A lone job may carry up to MAX_OPS; jobs are only joined up to batchOps.
      if (batch.length > 0 && (ops + next.job.ops.length > this.batchOps || signers.size + more.length > MAX_SIGNERS)) break;
      queue.shift();
      batch.push(next);
      ops += next.job.ops.length;
      for (const k of more) signers.add(k.publicKey());
    }
    return batch;
  }

  private requeue(front: Pending[]): void {
    for (const p of [...front].reverse()) this.queues[p.lane].unshift(p);
    this.notify();
  }

  private async loadSeq(channel: Channel): Promise<bigint> {
    const acc = await this.opts.server.loadAccount(channel.keypair.publicKey());
    channel.seq = BigInt(acc.sequence);
    return channel.seq;
  }

  private build(channel: Channel, seq: bigint, batch: Pending[]): Transaction {
    const builder = new TransactionBuilder(new Account(channel.keypair.publicKey(), seq.toString()), {
      fee: String(this.baseFee),
      networkPassphrase: this.opts.passphrase,
    }).setTimeout(this.timeoutSec);
    for (const p of batch) for (const op of p.job.ops) builder.addOperation(op);
    const tx = builder.build();
    const signers = new Map<string, Keypair>([[channel.keypair.publicKey(), channel.keypair]]);
    for (const p of batch) for (const k of p.job.signers) signers.set(k.publicKey(), k);
    signTransaction(tx, ...signers.values());
    return tx;
  }

  /** The fee-bumped envelope, its hash (hex) and XDR (base64), each encoded once. */
  private bump(inner: Transaction, feePerOp: number): { hash: string; envelope: string } {
    const fb = TransactionBuilder.buildFeeBumpTransaction(this.opts.sponsor, String(feePerOp), inner, this.opts.passphrase);
    const hash = signTransaction(fb, this.opts.sponsor).toString('hex');
    return { hash, envelope: fb.toEnvelope().toXDR('base64') };
  }

  private async run(channel: Channel, batch: Pending[]): Promise<void> {
    const seq = channel.seq ?? (await this.loadSeq(channel));
    const inner = this.build(channel, seq, batch);
    const maxTime = Number(inner.timeBounds?.maxTime ?? 0);
    // The fee bump's per-op fee must exceed the inner's (CAP-15), hence + 1 at least.
    let feePerOp = this.baseFee + 1;
    for (;;) {
      const { hash, envelope } = this.bump(inner, feePerOp);
      await Promise.all(batch.map((p) => p.job.onSubmit?.({ hash, envelope })));
      const outcome = await this.send(envelope, hash, maxTime);
      switch (outcome.kind) {
        case 'applied':
          channel.seq = seq + 1n;
          this.settle(batch, outcome.hash, outcome.ledger, outcome.resultXdr);
          return;
        case 'failed':
          channel.seq = seq + 1n; // fee charged, sequence consumed
          this.split(batch, outcome.opCodes, outcome.code);
          return;
        case 'bad_seq':
          await this.loadSeq(channel);
          this.requeue(batch);
          return;
        case 'expired':
          this.requeue(batch);
          return;
        case 'low_fee':
          if (feePerOp * 2 > this.maxFee) {
            for (const p of batch) p.resolve({ ok: false, code: 'tx_insufficient_fee', opCodes: [] });
            return;
          }
          feePerOp *= 2;
          continue;
        case 'rejected':
          for (const p of batch) p.resolve({ ok: false, code: outcome.code, opCodes: [] });
          return;
        case 'abandoned':
          // Shutting down with the outcome unknown: the caller recorded the envelope
          // (onSubmit) and recovers it by hash at the next start.
          for (const p of batch) p.resolve({ ok: false, code: 'tx_outcome_unknown', opCodes: [] });
          return;
      }
    }
  }

  private settle(batch: Pending[], hash: string, ledger: number, resultXdr: string): void {
    const results = operationResults(resultXdr);
    let i = 0;
    for (const p of batch) {
      p.resolve({ ok: true, hash, ledger, results: results.slice(i, i + p.job.ops.length) });
      i += p.job.ops.length;
    }
  }

  /** A failed batch: final answer for a lone job, else retry the failing jobs alone. */
  private split(batch: Pending[], opCodes: string[], txCode: string): void {
    if (batch.length === 1) {
      const failing = opCodes.find((c) => c !== 'op_success') ?? txCode;
      batch[0].resolve({ ok: false, code: failing, opCodes });
      return;
    }
    const retryAlone: Pending[] = [];
    const retryTogether: Pending[] = [];
    let i = 0;
    for (const p of batch) {
      const codes = opCodes.slice(i, i + p.job.ops.length);
      i += p.job.ops.length;
      const failed = codes.length === 0 || codes.some((c) => c !== 'op_success');
      (failed ? retryAlone : retryTogether).push(p);
    }
    this.requeue([
      ...retryAlone.map((p) => ({ ...p, job: { ...p.job, solo: true } })),
      ...retryTogether,
    ]);
  }

  /** Submit one envelope (base64 XDR) and find out, for certain, what became of it. */
  private async send(envelope: string, hash: string, maxTime: number): Promise<
    | { kind: 'applied'; hash: string; ledger: number; resultXdr: string }
    | { kind: 'failed'; code: string; opCodes: string[] }
    | { kind: 'bad_seq' | 'expired' | 'low_fee' | 'abandoned' }
    | { kind: 'rejected'; code: string }
  > {
    for (let attempt = 0; ; attempt++) {
      let status: number | undefined;
      let error: string;
      try {
        const { status: s, body } = await this.post(envelope);
        status = s;
        if (s === 200 && body.hash && body.ledger !== undefined && body.result_xdr) {
          return { kind: 'applied', hash: body.hash, ledger: body.ledger, resultXdr: body.result_xdr };
        }
        const codes = body.extras?.result_codes;
        if (s === 400 && codes?.transaction) {
          const code = codes.transaction === 'tx_fee_bump_inner_failed' && codes.inner_transaction
            ? codes.inner_transaction : codes.transaction;
          if (code === 'tx_failed') return { kind: 'failed', code, opCodes: codes.operations ?? [] };
          if (code === 'tx_bad_seq') return { kind: 'bad_seq' };
          if (code === 'tx_too_late') return { kind: 'expired' };
          if (code === 'tx_insufficient_fee') return { kind: 'low_fee' };
          return { kind: 'rejected', code };
        }
        error = `Horizon answered ${s}`;
      } catch (err) {
        error = (err as Error).message;
      }
      // Timeout, 5xx or network error: the envelope may or may not be in a ledger.
      this.opts.logger.warn({ hash, attempt, status, err: error }, 'submission outcome unknown; checking the ledger');
      const known = await this.lookup(hash);
      if (known) return known;
      if (await this.pastTimeBounds(maxTime)) return { kind: 'expired' };
      if (this.closed) return { kind: 'abandoned' };
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 5000)));
    }
  }

  private async lookup(hash: string): Promise<{ kind: 'applied'; hash: string; ledger: number; resultXdr: string } | { kind: 'failed'; code: string; opCodes: string[] } | null> {
    try {
      const tx = await this.opts.server.transactions().transaction(hash).call();
      if (tx.successful) return { kind: 'applied', hash: tx.hash, ledger: tx.ledger_attr, resultXdr: tx.result_xdr };
      const results = operationResults(tx.result_xdr);
      return { kind: 'failed', code: 'tx_failed', opCodes: results.map(opCodeOf) };
    } catch {
      return null;
    }
  }

  /** True once a closed ledger is later than the transaction's maxTime. */
  private async pastTimeBounds(maxTime: number): Promise<boolean> {
    if (!maxTime) return false;
    try {
      const page = await this.opts.server.ledgers().order('desc').limit(1).call();
      const closed = Date.parse(page.records[0]?.closed_at ?? '') / 1000;
      return closed > maxTime;
    } catch {
      return false;
    }
  }
}

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c.toLowerCase());

/**
 * Horizon's code string for one operation result read from XDR (recovery reads results
 * from the transaction resource, which has no code strings): the result arm name less
 * its operation prefix, e.g. pathPaymentStrictReceiveUnderfunded → op_underfunded.
 */
export function opCodeOf(r: xdr.OperationResult): string {
  const outer = r.switch().name; // opInner, opBadAuth, opNoAccount, …
  if (outer !== 'opInner') return snake(outer);
  const type = r.tr().switch().name; // e.g. pathPaymentStrictReceive
  const arm = (r.tr().value() as { switch(): { name: string } }).switch().name;
  const suffix = snake(arm.startsWith(type) ? arm.slice(type.length) : arm);
  if (suffix === 'success') return 'op_success';
  // Horizon's two codes without the op_ prefix.
  if (suffix === 'sell_not_authorized' || suffix === 'buy_not_authorized') return suffix;
  return `op_${suffix}`;
}
