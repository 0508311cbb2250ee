/**
 * Which database errors are an outage rather than a refusal: the connection went away
 * (the server terminated it, restarted, or the network dropped it), or no connection
 * could be had. A transaction that failed so did nothing the caller can rely on, and
 * the whole of it may be run again (see database.ts); a refusal (a constraint, a
 * stale compare-and-set) is the same answer however often it is asked.
 *
 * - `lost`: retried at once on a fresh connection (a pooled connection the server
 *   dropped while idle fails its next statement, the usual case);
 * - `exhausted`: no connection came within the pool's acquire timeout: the database is
 *   down or overloaded, and waiting that long again would only hold the caller longer.
 */
export type ConnectionLoss = 'lost' | 'exhausted';

/**
 * SQLSTATE class 08 (connection exception), 57P01 admin_shutdown (pg_terminate_backend),
 * 57P02 crash_shutdown, 57P03 cannot_connect_now (starting or stopping), 53300
 * too_many_connections; and what refuses a new connection: 28000/28P01 (its role or
 * password refused) and 3D000 (no such database), which no request can help but which
 * are the database being unreachable for the hub all the same.
 */
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300|28000|28P01|3D000)$/;

/** Socket errors of the driver (node's codes). */
const SOCKET = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** The pg driver's and knex's words for a connection that is gone. */
const LOST = [
  /connection terminated/i, // pg: "Connection terminated unexpectedly", "… due to connection timeout"
  /connection ended unexpectedly/i, // knex, a pooled connection that ended
  /client has encountered a connection error and is not queryable/i,
  /client was closed and is not queryable/i,
  /terminating connection/i, // the server's FATAL text, when it comes without its code
  /server closed the connection unexpectedly/i,
  /^timeout expired$/i, // pg's connect timeout
  /is not currently accepting connections/i, // 55000 at connect (ALLOW_CONNECTIONS false), a code shared with statement errors
];

export function connectionLoss(err: unknown): ConnectionLoss | null {
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): ConnectionLoss | null => {
    if (!e || typeof e !== 'object' || seen.has(e) || depth > 5) return null;
    seen.add(e);
    const x = e as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; errors?: unknown; syscall?: unknown };
    const message = typeof x.message === 'string' ? x.message : '';
    if (x.name === 'KnexTimeoutError' && /acquiring a connection/i.test(message)) return 'exhausted';
    if (typeof x.code === 'string') {
      if (SQLSTATE.test(x.code) || SOCKET.has(x.code)) return 'lost';
      // The embedded database's socket missing (it is stopping): nothing to connect to.
      if (x.code === 'ENOENT' && x.syscall === 'connect') return 'lost';
    }
    if (LOST.some((r) => r.test(message))) return 'lost';
    if (Array.isArray(x.errors)) for (const inner of x.errors) { const r = visit(inner, depth + 1); if (r) return r; }
    return visit(x.cause, depth + 1);
  };
  return visit(err, 0);
}
