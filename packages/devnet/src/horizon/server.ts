/**
 * The Horizon-compatible HTTP server of the embedded network, on node:http alone:
 * a route table, problem+json errors, CORS as Horizon sends it, a bounded request
 * body, and SSE for the streamable collections. No request can crash the process:
 * every handler runs inside one try/catch that turns the unexpected into a 500.
 */
import * as http from 'node:http';
import { HorizonBackend } from './backend';
import { Ctx, Reply } from './context';
import { Problem, methodNotAllowed, notFound, serverError, tooLarge } from './problem';
import * as accounts from './routes/accounts';
import * as hist from './routes/history';
import * as offers from './routes/offers';
import * as paths from './routes/paths';
import * as rootRoutes from './routes/root';
import { submit } from './routes/submit';

export const MAX_BODY_BYTES = 256 * 1024;

export interface HorizonServerOptions {
  maxBodyBytes?: number;
  /** Called with unexpected errors (bugs); default writes to stderr. */
  onError?: (err: unknown, req: http.IncomingMessage) => void;
}

type Method = 'GET' | 'POST';
interface Route {
  method: Method;
  /** Path segments; ':x' captures one segment into ctx.params. */
  pattern: string[];
  handler: (ctx: Ctx, body: string) => Reply | Promise<Reply>;
}

const r = (method: Method, path: string, handler: Route['handler']): Route => ({
  method, pattern: path.split('/').filter(Boolean), handler,
});

const ROUTES: Route[] = [
  r('GET', '/', rootRoutes.root),
  r('GET', '/fee_stats', rootRoutes.feeStats),
  r('GET', '/friendbot', rootRoutes.friendbot),
  r('POST', '/friendbot', rootRoutes.friendbot),
  r('GET', '/accounts', accounts.accountList),
  r('GET', '/accounts/:id', accounts.account),
  r('GET', '/accounts/:id/data/:key', accounts.accountData),
  r('GET', '/accounts/:id/transactions', accounts.accountHistory('transactions')),
  r('GET', '/accounts/:id/operations', accounts.accountHistory('operations')),
  r('GET', '/accounts/:id/payments', accounts.accountHistory('payments')),
  r('GET', '/accounts/:id/effects', accounts.accountHistory('effects')),
  r('GET', '/accounts/:id/trades', accounts.accountHistory('trades')),
  r('GET', '/accounts/:id/offers', offers.accountOffers),
  r('POST', '/transactions', submit),
  r('GET', '/transactions', (ctx) => hist.serveHistory(ctx, 'transactions', {})),
  r('GET', '/transactions/:hash', hist.transaction),
  r('GET', '/transactions/:hash/operations', hist.transactionChildren('operations')),
  r('GET', '/transactions/:hash/payments', hist.transactionChildren('payments')),
  r('GET', '/transactions/:hash/effects', hist.transactionChildren('effects')),
  r('GET', '/operations', (ctx) => hist.serveHistory(ctx, 'operations', {})),
  r('GET', '/operations/:id', hist.operation),
  r('GET', '/operations/:id/effects', hist.operationEffects),
  r('GET', '/payments', (ctx) => hist.serveHistory(ctx, 'payments', {})),
  r('GET', '/effects', (ctx) => hist.serveHistory(ctx, 'effects', {})),
  r('GET', '/trades', hist.trades),
  r('GET', '/ledgers', hist.ledgers),
  r('GET', '/ledgers/:seq', hist.ledger),
  r('GET', '/ledgers/:seq/transactions', hist.ledgerChildren('transactions')),
  r('GET', '/ledgers/:seq/operations', hist.ledgerChildren('operations')),
  r('GET', '/ledgers/:seq/payments', hist.ledgerChildren('payments')),
  r('GET', '/ledgers/:seq/effects', hist.ledgerChildren('effects')),
  r('GET', '/offers', offers.offers),
  r('GET', '/offers/:id', offers.offer),
  r('GET', '/offers/:id/trades', offers.offerTrades),
  r('GET', '/order_book', offers.orderBook),
  r('GET', '/paths', paths.strictReceive),
  r('GET', '/paths/strict-receive', paths.strictReceive),
  r('GET', '/paths/strict-send', paths.strictSend),
];

/** Every route whose pattern fits the path, whatever its method (for 405 vs 404). */
function match(segments: string[]): { route: Route; params: string[] }[] {
  const out: { route: Route; params: string[] }[] = [];
  for (const route of ROUTES) {
    if (route.pattern.length !== segments.length) continue;
    const params: string[] = [];
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const p = route.pattern[i];
      if (p.startsWith(':')) params.push(segments[i]);
      else ok = p === segments[i];
    }
    if (ok) out.push({ route, params });
  }
  return out;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Date, Latest-Ledger',
};

const HOST = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function stringify(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch {
    // A bigint slipped into a record's details: serialize it as Horizon would, a string.
    return JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

export function createHorizonServer(backend: HorizonBackend, opts: HorizonServerOptions = {}): http.Server {
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const onError = opts.onError ?? ((err: unknown, req: http.IncomingMessage) => {
    process.stderr.write(`horizon: ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}\n`);
  });

  const send = (req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown, problem: boolean): void => {
    if (res.headersSent) {
      res.end();
      return;
    }
    const text = stringify(body);
    const latest = backend.history.latestLedger();
    res.writeHead(status, {
      ...CORS,
      'Content-Type': problem ? 'application/problem+json; charset=utf-8' : 'application/hal+json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      ...(latest ? { 'Latest-Ledger': String(latest.sequence) } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  const sendProblem = (req: http.IncomingMessage, res: http.ServerResponse, p: Problem): void => {
    send(req, res, p.status, p.toJSON(), true);
  };

  const readBody = (req: http.IncomingMessage): Promise<string | Problem> => new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) {
      resolve(tooLarge(maxBody));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > maxBody) {
        done = true;
        resolve(tooLarge(maxBody));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks).toString('utf8'));
      done = true;
    });
    req.on('error', () => {
      if (!done) resolve(new Problem(400, 'bad_request', 'Bad Request', 'The request body could not be read.'));
      done = true;
    });
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const hostHeader = req.headers.host;
    const base = `http://${hostHeader && HOST.test(hostHeader) ? hostHeader : `localhost:${(req.socket.localPort ?? 80)}`}`;
    let url: URL;
    try {
      url = new URL(req.url ?? '/', base);
    } catch {
      sendProblem(req, res, notFound());
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...CORS,
        'Access-Control-Allow-Methods': 'GET, POST, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': String(req.headers['access-control-request-headers'] ?? '*'),
        'Access-Control-Max-Age': '86400',
      });
      res.end();
      return;
    }
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    } catch {
      sendProblem(req, res, notFound());
      return;
    }
    const candidates = match(segments);
    if (candidates.length === 0) {
      sendProblem(req, res, notFound());
      return;
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const found = candidates.find((c) => c.route.method === method);
    if (!found) {
      res.setHeader('Allow', [...new Set(candidates.map((c) => c.route.method))].join(', '));
      sendProblem(req, res, methodNotAllowed());
      return;
    }
    let body = '';
    if (method === 'POST') {
      const read = await readBody(req);
      if (read instanceof Problem) {
        // Do not read an oversized body to its end: answer, then close the connection.
        res.setHeader('Connection', 'close');
        sendProblem(req, res, read);
        res.on('finish', () => req.destroy());
        return;
      }
      body = read;
    }
    const accept = req.headers.accept ?? '';
    const ctx: Ctx = {
      req, res, url, base, backend, params: found.params,
      streaming: method === 'GET' && accept.includes('text/event-stream'),
    };
    const reply = await found.route.handler(ctx, body);
    if (reply === 'streamed') return;
    send(req, res, reply.status ?? 200, reply.body, false);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof Problem) {
        sendProblem(req, res, err);
        return;
      }
      onError(err, req);
      try {
        sendProblem(req, res, serverError());
      } catch {
        res.destroy();
      }
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } else {
      socket.destroy();
    }
  });
  // SSE clients hold connections open; do not let idle timers cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
