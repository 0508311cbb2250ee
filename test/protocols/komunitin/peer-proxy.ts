/**
 * A real HTTP hop in front of a hub, answering some requests the way a current
 * Komunitin server does where our hub would answer otherwise: the hub behind it stands
 * for the peer's ledger side, the proxy for Komunitin's own answers (2026-07 source):
 *
 * - `lose-answer`: a payment notify is passed on, but its answer is lost (the socket is
 *   dropped); the retry gets Komunitin's `400 … Transfer with id … already exists`, and
 *   a GET of the transfer gets `401` (Komunitin serves it only to its logged-in users).
 * - `refuse-notify`: a payment notify is refused for good (`400 FieldValidationError`),
 *   after the payment settled; everything else is passed on.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';

export type ProxyMode = 'pass' | 'lose-answer' | 'refuse-notify';

export interface PeerProxy {
  url: string;
  mode: ProxyMode;
  /** The hub behind it (set once it is known). */
  target: string;
  /** Notifies seen, by transfer id. */
  notifies: Map<string, number>;
  close(): Promise<void>;
}

const jsonApiError = (status: number, code: string, detail: string) =>
  JSON.stringify({ errors: [{ status: String(status), code, title: code === 'BadRequest' ? 'Bad Request' : 'Field validation error', detail }] });

export async function startPeerProxy(): Promise<PeerProxy> {
  const proxy: PeerProxy = { url: '', mode: 'pass', target: '', notifies: new Map(), close: async () => {} };
  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, lose: boolean) => {
    const up = http.request(`${proxy.target}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(proxy.target).host } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        if (lose) { res.socket?.destroy(); return; }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(chunks));
      });
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    up.end(body);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let doc: any = null;
      try { doc = body.length ? JSON.parse(body.toString('utf8')) : null; } catch { /* not JSON: passed on */ }
      // A notify: a payment whose payer is on the other server (external), already committed.
      const notify = req.method === 'POST' && /^\/[A-Z0-9]{4}\/transfers$/.test(req.url ?? '')
        && doc?.data?.relationships?.payer?.data?.meta?.external === true;
      const id = String(doc?.data?.id ?? '');
      if (proxy.mode === 'lose-answer' && req.method === 'GET' && /^\/[A-Z0-9]{4}\/transfers\/[0-9a-f-]{36}$/.test(req.url ?? '')) {
        res.writeHead(401, { 'content-type': 'application/vnd.api+json' });
        res.end(jsonApiError(401, 'Unauthorized', 'Invalid or missing authentication'));
        return;
      }
      if (!notify || proxy.mode === 'pass') { forward(req, body, res, false); return; }
      const seen = proxy.notifies.get(id) ?? 0;
      proxy.notifies.set(id, seen + 1);
      if (proxy.mode === 'refuse-notify') {
        res.writeHead(400, { 'content-type': 'application/vnd.api+json' });
        res.end(jsonApiError(400, 'FieldValidationError', 'The payee account is disabled.'));
        return;
      }
      if (seen === 0) { forward(req, body, res, true); return; }
      res.writeHead(400, { 'content-type': 'application/vnd.api+json' });
      res.end(jsonApiError(400, 'BadRequest', `Transfer with id ${id} already exists`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return proxy;
}
