/**
 * Durability of the embedded network: an fsync'd, append-only log of closed ledgers
 * plus periodic state snapshots.
 *
 * Files in `dir`:
 *   ledgers.log    one line per closed ledger: tagged JSON of a LogEntry ('\n'-terminated).
 *                  It is the whole history, so it is never truncated (except a torn tail).
 *   snapshot.json  the ledger state after some ledger L, written atomically
 *                  (temp file, fsync, rename, fsync the directory).
 *   LOCK           pid of the process using the directory (a dead owner's lock is taken over).
 *
 * API for the engine (network.ts):
 *   const log = await LedgerLog.open(dir);           // creates dir, repairs a torn tail
 *   const { state, history, last, extra } = restore(log.load());   // or use load() directly
 *   … per closed ledger, BEFORE answering its submissions:
 *   log.append({ closed, changes: state.takeChanges(), idPool: state.idPool });   // write + fsync
 *   … now and then (e.g. every N ledgers; cheap relative to history, O(state)):
 *   log.writeSnapshot({ ledgerSeq, idPool: state.idPool, state: state.snapshot() });
 *   log.close();
 *
 * `load()` (call it once) returns the latest snapshot (if any) and EVERY log entry: each entry's
 * `closed` feeds the history; only entries after `snapshot.ledgerSeq` have their
 * `changes` applied to the state. `restore()` does exactly that.
 *
 * Why a text log: bigints and Buffers round-trip through a tagged JSON encoding
 * (see `encode`), the log stays greppable, and a torn last line (kill -9 mid-write)
 * is recognisable: it lacks its '\n' or does not parse. Such a tail is truncated at
 * open; an unparsable line in the middle is corruption and refuses to start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClosedLedger, LedgerRecord } from './history/records';
import { HistoryStore } from './history/store';
import { EntryChange, LedgerState, LedgerStateSnapshot } from './state/ledger-state';

export interface LogEntry {
  closed: ClosedLedger;
  /** state.takeChanges() after the ledger closed: post-images (null = deleted). */
  changes: EntryChange[];
  /** state.idPool after the ledger closed. */
  idPool: bigint;
  /** Anything else the engine must carry across restarts (tagged-JSON encodable). */
  extra?: Record<string, unknown>;
}

export interface Snapshot {
  /** The state is the one after this ledger closed. */
  ledgerSeq: number;
  idPool: bigint;
  state: LedgerStateSnapshot;
  extra?: Record<string, unknown>;
}

export interface Loaded {
  snapshot?: Snapshot;
  entries: LogEntry[];
}

const LOG_FILE = 'ledgers.log';
const LOCK_FILE = 'LOCK';
const SNAPSHOT_FILE = 'snapshot.json';
const CHUNK = 8 << 20;

// ---- tagged JSON ------------------------------------------------------------------
// A string starting with TAG carries a type: TAG+'n' bigint, TAG+'b' base64 Buffer,
// TAG+'s' a plain string that itself started with TAG (escaped).
const TAG = '\u0001';

function replacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (typeof raw === 'bigint') return `${TAG}n${raw.toString()}`;
  if (raw instanceof Uint8Array) return `${TAG}b${Buffer.from(raw).toString('base64')}`;
  if (typeof value === 'string' && value.startsWith(TAG)) return `${TAG}s${value}`;
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'string' || value.charCodeAt(0) !== 1) return value;
  const body = value.slice(2);
  switch (value[1]) {
    case 'n': return BigInt(body);
    case 'b': return Buffer.from(body, 'base64');
    default: return body;
  }
}

export function encode(v: unknown): string {
  return JSON.stringify(v, replacer);
}

export function decode<T>(s: string): T {
  return JSON.parse(s, reviver) as T;
}

// ---- the log ----------------------------------------------------------------------

export class LedgerLog {
  private closed = false;

  private constructor(
    readonly dir: string,
    private fd: number,
    /** Entries found at open (parsed once; handed out by load()). */
    private readonly found: LogEntry[],
  ) {}

  /** Opens (creating) the log in `dir`; a torn last record is truncated away. */
  static async open(dir: string): Promise<LedgerLog> {
    fs.mkdirSync(dir, { recursive: true });
    lock(dir);
    try {
      const file = path.join(dir, LOG_FILE);
      const existed = fs.existsSync(file);
      const fd = fs.openSync(file, 'a+');
      if (!existed) fsyncDir(dir);
      let read: ReturnType<typeof readLog>;
      try {
        read = readLog(fd);
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      if (read.goodBytes < read.size) {
        fs.ftruncateSync(fd, read.goodBytes);
        fs.fsyncSync(fd);
      }
      return new LedgerLog(dir, fd, read.entries);
    } catch (err) {
      fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
      throw err;
    }
  }

  /** The snapshot (if any) and all log entries, oldest first. */
  load(): Loaded {
    const snap = readSnapshot(this.dir);
    return { snapshot: snap, entries: this.found.splice(0) };
  }

  /** Appends one closed ledger and fsyncs: when this returns, the ledger is durable. */
  append(entry: LogEntry): void {
    this.appendBatch([entry]);
  }

  /** Several ledgers with a single fsync. */
  appendBatch(entries: readonly LogEntry[]): void {
    if (this.closed) throw new Error('ledger log is closed');
    if (entries.length === 0) return;
    const buf = Buffer.from(entries.map((e) => encode(e) + '\n').join(''), 'utf8');
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off);
    fs.fdatasyncSync(this.fd);
  }

  /** Writes the state snapshot atomically; a crash leaves the previous snapshot intact. */
  writeSnapshot(s: Snapshot): void {
    const tmp = path.join(this.dir, `${SNAPSHOT_FILE}.tmp`);
    const fd = fs.openSync(tmp, 'w');
    try {
      // One line per entry keeps every string small, whatever the size of the state.
      const { state, ...head } = s;
      const parts: string[] = [encode({ ...head, lastOfferId: state.lastOfferId }) + '\n'];
      const flush = (): void => {
        const buf = Buffer.from(parts.join(''), 'utf8');
        let off = 0;
        while (off < buf.length) off += fs.writeSync(fd, buf, off);
        parts.length = 0;
      };
      for (const kind of ['accounts', 'trustlines', 'offers', 'data'] as const) {
        for (const e of state[kind]) {
          parts.push(`${kind[0]}${encode(e)}\n`);
          if (parts.length >= 4096) flush();
        }
      }
      parts.push('end\n');
      flush();
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(this.dir, SNAPSHOT_FILE));
    fsyncDir(this.dir);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    fs.rmSync(path.join(this.dir, LOCK_FILE), { force: true });
  }
}

/** Rebuilds state and history from what load() returned. */
export function restore(loaded: Loaded): {
  state: LedgerState;
  history: HistoryStore;
  last?: LedgerRecord;
  extra?: Record<string, unknown>;
} {
  const snap = loaded.snapshot;
  const lastLogged = loaded.entries[loaded.entries.length - 1]?.closed.ledger.sequence ?? 0;
  if (snap && lastLogged < snap.ledgerSeq) {
    // The log is written before any snapshot of the same ledgers: it has been lost or cut.
    throw new Error(`ledger log ends at ledger ${lastLogged} but the snapshot is of ledger ${snap.ledgerSeq}; refusing to start`);
  }
  const state = snap ? LedgerState.restore(snap.state, snap.ledgerSeq) : new LedgerState();
  if (snap) state.idPool = snap.idPool;
  const history = new HistoryStore();
  let extra = snap?.extra;
  let last: LedgerRecord | undefined;
  for (const e of loaded.entries) {
    history.append(e.closed);
    last = e.closed.ledger;
    if (snap && e.closed.ledger.sequence <= snap.ledgerSeq) continue;
    state.applyChanges(e.changes);
    state.idPool = e.idPool;
    state.ledgerSeq = e.closed.ledger.sequence;
    if (e.extra) extra = e.extra;
  }
  return { state, history, last, extra };
}

// ---- reading ----------------------------------------------------------------------

/** Reads '\n'-terminated lines in chunks (a log can exceed the maximum string length). */
function* lines(fd: number): Generator<{ text: string; end: number }> {
  const buf = Buffer.allocUnsafe(CHUNK);
  let pending: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) return;
    let start = 0;
    for (let i = buf.indexOf(10, 0); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) {
      const piece = buf.subarray(start, i);
      const text = pending.length ? Buffer.concat([...pending, piece]).toString('utf8') : piece.toString('utf8');
      pending = [];
      yield { text, end: pos + i + 1 };
      start = i + 1;
    }
    if (start < n) pending.push(Buffer.from(buf.subarray(start, n)));
    pos += n;
  }
}

function readLog(fd: number): { entries: LogEntry[]; goodBytes: number; size: number } {
  const size = fs.fstatSync(fd).size;
  const entries: LogEntry[] = [];
  let goodBytes = 0;
  let torn: Error | null = null;
  for (const { text, end } of lines(fd)) {
    if (torn) throw new Error(`ledger log corrupt before byte ${end}: ${torn.message}`);
    try {
      entries.push(decode<LogEntry>(text));
      goodBytes = end;
    } catch (err) {
      // Only acceptable as the very last line (a write cut short by a crash).
      torn = err as Error;
    }
  }
  return { entries, goodBytes, size };
}

function readSnapshot(dir: string): Snapshot | undefined {
  const file = path.join(dir, SNAPSHOT_FILE);
  if (!fs.existsSync(file)) return undefined;
  const fd = fs.openSync(file, 'r');
  try {
    let head: (Omit<Snapshot, 'state'> & { lastOfferId: bigint }) | undefined;
    const state: LedgerStateSnapshot = { accounts: [], trustlines: [], offers: [], data: [], lastOfferId: 0n };
    let complete = false;
    for (const { text } of lines(fd)) {
      if (!head) {
        head = decode(text);
        continue;
      }
      if (text === 'end') {
        complete = true;
        break;
      }
      const body = text.slice(1);
      switch (text[0]) {
        case 'a': state.accounts.push(decode(body)); break;
        case 't': state.trustlines.push(decode(body)); break;
        case 'o': state.offers.push(decode(body)); break;
        case 'd': state.data.push(decode(body)); break;
        default: throw new Error(`snapshot ${file}: unknown line kind ${text[0]}`);
      }
    }
    // Renamed into place only after fsync, so an incomplete snapshot means tampering.
    if (!head || !complete) throw new Error(`snapshot ${file} is incomplete; remove it to rebuild from the log`);
    const { lastOfferId, ...rest } = head;
    state.lastOfferId = lastOfferId;
    return { ...rest, state };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * One process per data directory: two writers would interleave the log. A LOCK file
 * names the owner's pid; a lock left by a dead process (kill -9) is taken over.
 */
function lock(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(fs.readFileSync(file, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new Error(`data directory ${dir} is in use by process ${owner}; stop it or choose another --data`);
    }
    fs.rmSync(file, { force: true });
  }
  throw new Error(`could not lock data directory ${dir}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fsyncDir(dir: string): void {
  // Makes a created or renamed file's directory entry durable (POSIX).
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
