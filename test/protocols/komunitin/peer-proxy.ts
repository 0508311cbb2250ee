/**
 * A real HTTP hop in front of a hub, answering some requests the way a Komunitin server
 * does where our hub would answer otherwise: the hub behind it stands for the peer's
 * ledger side, the proxy for Komunitin's own answers:
 *
 * - `lose-answer`: a payment notify is passed on, but its answer is lost (the socket is
 *   dropped); the retry gets Komunitin's `400 … Transfer with id … already exists`, and
 *   a GET of the transfer gets `401` (Komunitin serves it only to its logged-in users).
 *   (2026-07 source)
 * - `refuse-notify`: a payment notify is refused for good (`400 FieldValidationError`),
 *   after the payment settled; everything else is passed on. (2026-07 source)
 * - `old-komunitin`: the hub behind answers as a Komunitin server from before June 2025
 *   (before commit 92ab8334 of community-exchange-network/komunitin) does: a transfer
 *   whose `attributes.meta` is not a string is refused by its validator (`oneOf`, so
 *   express-validator's `400 BadRequest "Invalid value(s)"`, which names no field);
 *   transfers it serves carry `meta` as a string; accounts it serves have no `status`
 *   (added September 2025).
 * - `old-sender`: what reaches the hub behind is written as such a server writes it: a
 *   transfer POSTed with `meta` as a string (its serializer's projection of the string
 *   column). `edit` alters a notify further; the hub's answers are kept in `answers`.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';

export type ProxyMode = 'pass' | 'lose-answer' | 'refuse-notify' | 'old-komunitin' | 'old-sender';

export interface PeerProxy {
  url: string;
  mode: ProxyMode;
  /** The hub behind it (set once it is known). */
  target: string;
  /** Notifies seen, by transfer id. */
  notifies: Map<string, number>;
  /** Transfer POSTs seen in the old modes, by transfer id: the type of `meta` each had. */
  posts: Map<string, string[]>;
  /** `old-sender`: alters each notify passed on (after `meta` is made a string). */
  edit: ((doc: any) => void) | null;
  /** `old-sender`: what the hub behind answered to each transfer POST passed on. */
  answers: Array<{ id: string; status: number; body: any }>;
  close(): Promise<void>;
}

const jsonApiError = (status: number, code: string, detail: string) =>
  JSON.stringify({ errors: [{ status: String(status), code, title: code === 'BadRequest' ? 'Bad Request' : 'Field validation error', detail }] });

const parse = (b: Buffer): any => {
  try { return b.length ? JSON.parse(b.toString('utf8')) : null; } catch { return null; }
};

/** A transfer as a pre-June-2025 Komunitin server writes it: `meta` is the description string. */
const oldMeta = (resource: any) => {
  const a = resource?.attributes;
  if (a && a.meta && typeof a.meta === 'object') a.meta = String(a.meta.description ?? '');
};

export async function startPeerProxy(): Promise<PeerProxy> {
  const proxy: PeerProxy = {
    url: '', mode: 'pass', target: '', notifies: new Map(), posts: new Map(), edit: null, answers: [], close: async () => {},
  };
  /** Pass a request on (its body as given), and its answer back, rewritten by `rewrite` if given. */
  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, opts: {
    lose?: boolean; rewrite?: (status: number, doc: any) => void; seen?: (status: number, doc: any) => void;
  } = {}) => {
    const headers = { ...req.headers, host: new URL(proxy.target).host, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const up = http.request(`${proxy.target}${req.url}`, { method: req.method, headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        if (opts.lose) { res.socket?.destroy(); return; }
        let out = Buffer.concat(chunks);
        const status = answer.statusCode ?? 502;
        const doc = parse(out);
        opts.seen?.(status, doc);
        if (opts.rewrite && doc) {
          opts.rewrite(status, doc);
          out = Buffer.from(JSON.stringify(doc));
        }
        const back = { ...answer.headers, 'content-length': String(out.length) };
        delete back['transfer-encoding'];
        res.writeHead(status, back);
        res.end(out);
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
      const doc = parse(body);
      const transferPost = req.method === 'POST' && /^\/[A-Z0-9]{4}\/transfers$/.test(req.url ?? '');
      // A notify: a payment whose payer is on the other server (external), already committed.
      const notify = transferPost && doc?.data?.relationships?.payer?.data?.meta?.external === true;
      const id = String(doc?.data?.id ?? '');

      if (proxy.mode === 'old-komunitin') {
        if (transferPost) {
          const meta = doc?.data?.attributes?.meta;
          proxy.posts.set(id, [...(proxy.posts.get(id) ?? []), typeof meta]);
          // isCreateTransfer: body('data.attributes.meta').isString(), inside oneOf([one, many]).
          if (typeof meta !== 'string') {
            res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
            res.end(jsonApiError(400, 'BadRequest', 'Invalid value(s)'));
            return;
          }
        }
        const account = req.method === 'GET' && /^\/[A-Z0-9]{4}\/accounts\/[^/]+$/.test(req.url ?? '');
        const transfer = /^\/[A-Z0-9]{4}\/transfers(\/|$)/.test(req.url ?? '');
        forward(req, body, res, {
          rewrite: (_status, answer) => {
            if (account) delete answer?.data?.attributes?.status;
            if (transfer) oldMeta(answer?.data);
          },
        });
        return;
      }
      if (proxy.mode === 'old-sender') {
        if (!transferPost || !doc) { forward(req, body, res); return; }
        oldMeta(doc.data);
        if (notify) proxy.edit?.(doc);
        proxy.posts.set(id, [...(proxy.posts.get(id) ?? []), typeof doc.data?.attributes?.meta]);
        forward(req, Buffer.from(JSON.stringify(doc)), res, { seen: (status, answer) => proxy.answers.push({ id, status, body: answer }) });
        return;
      }

      if (proxy.mode === 'lose-answer' && req.method === 'GET' && /^\/[A-Z0-9]{4}\/transfers\/[0-9a-f-]{36}$/.test(req.url ?? '')) {
        res.writeHead(401, { 'content-type': 'application/vnd.api+json' });
        res.end(jsonApiError(401, 'Unauthorized', 'Invalid or missing authentication'));
        return;
      }
      if (!notify || proxy.mode === 'pass') { forward(req, body, res); return; }
      const seen = proxy.notifies.get(id) ?? 0;
      proxy.notifies.set(id, seen + 1);
      if (proxy.mode === 'refuse-notify') {
        res.writeHead(400, { 'content-type': 'application/vnd.api+json' });
        res.end(jsonApiError(400, 'FieldValidationError', 'The payee account is disabled.'));
        return;
      }
      if (seen === 0) { forward(req, body, res, { lose: true }); return; }
      res.writeHead(400, { 'content-type': 'application/vnd.api+json' });
      res.end(jsonApiError(400, 'BadRequest', `Transfer with id ${id} already exists`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return proxy;
}
