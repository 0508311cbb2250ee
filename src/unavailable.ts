/**
 * An outage, as a value every edge answers the same way. A dependency the hub cannot
 * reach now (its database, the Stellar network) left the work undone or unfinished, and
 * the same request may be repeated as it is: every write of the hub is idempotent (a
 * transfer by its key, a delivery by its transfer), so a repeat never applies twice.
 * The HTTP edge answers it with 503 and Retry-After in each protocol's own format
 * (src/http/errors.ts), never as a 500: it is not a bug of the hub.
 */
export type Dependency = 'database' | 'ledger';

export class Unavailable extends Error {
  constructor(
    readonly dependency: Dependency,
    /** What is down and why, for a person: "the database (PostgreSQL at …) is unreachable: …". */
    message: string,
    /** When a repeat has a fair chance (the Retry-After header). */
    readonly retryAfterSec = 5,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts);
    this.name = 'Unavailable';
  }
}

export const isUnavailable = (e: unknown): e is Unavailable => e instanceof Unavailable;

/** The words of a low-level failure: "connection refused (ECONNREFUSED 127.0.0.1:5432)", not "fetch failed". */
export function reasonOf(err: unknown): string {
  const seen = new Set<unknown>();
  let e: unknown = err;
  // The first error down the cause chain that says more than its wrapper ("fetch failed" → its cause).
  while (e instanceof Error && (e as { cause?: unknown }).cause instanceof Error && !seen.has(e) && /^(fetch failed|Error)$/i.test(e.message)) {
    seen.add(e);
    e = (e as { cause?: unknown }).cause;
  }
  if (e instanceof AggregateError && e.errors.length > 0) e = e.errors[0];
  const x = (e ?? {}) as { code?: unknown; message?: unknown; address?: unknown; port?: unknown };
  const code = typeof x.code === 'string' ? x.code : '';
  const where = typeof x.address === 'string' ? ` ${x.address}${x.port !== undefined ? `:${String(x.port)}` : ''}` : '';
  const words = NODE_CODES[code];
  if (words) return `${words} (${code}${where})`;
  const message = typeof x.message === 'string' && x.message !== '' ? x.message : String(e);
  // A code only in the text, as some clients leave it ("connect ECONNREFUSED 127.0.0.1:8000").
  const named = Object.keys(NODE_CODES).find((c) => new RegExp(`\\b${c}\\b`).test(message));
  const text = named ? `${NODE_CODES[named]} (${message})` : message;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

const NODE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed for now',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
};
