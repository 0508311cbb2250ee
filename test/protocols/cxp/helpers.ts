/**
 * A real Hawk client of the hub's /cxp endpoints, and receiving exchanges as real local
 * HTTP servers: they verify the hub's Hawk signature (payload hash included), answer
 * with Server-Authorization, and are idempotent on temp_id, as the spec asks of them.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import fc from 'fast-check';
import Hawk from 'hawk';
import { TestHub } from '../../governance/api';

export interface Credentials {
  id: string;
  key: string;
  algorithm: 'sha256';
}

export interface CxpAnswer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
  /** Whether the answer's Server-Authorization verified with the client's key. */
  verified: boolean;
}

export interface SignOptions {
  /** Seconds added to the client's clock. */
  skewSec?: number;
  nonce?: string;
  /** Send this body instead of the one signed. */
  tamper?: string;
  /** Sign with this key instead. */
  key?: string;
  contentType?: string;
  /** A ready Authorization header (replays). */
  authorization?: string;
  /** The ts attribute exactly as written (signed as it is: a malformed one gets a valid MAC). */
  ts?: string;
  /** An ext attribute, signed. */
  ext?: string;
}

/** An answer and the Authorization header its request carried (to replay it). */
export type Signed = CxpAnswer & { authorization: string };

export interface CxpClient {
  creds: Credentials;
  request(method: string, path: string, body?: string, opts?: SignOptions): Promise<Signed>;
  handshake(body: Record<string, unknown>, opts?: SignOptions): Promise<Signed>;
  clients(opts?: SignOptions): Promise<Signed>;
  prepare(query: Record<string, string | number>, opts?: SignOptions): Promise<CxpAnswer>;
  try(body: Record<string, unknown>, opts?: SignOptions): Promise<CxpAnswer>;
}

/**
 * One HTTP exchange over a keep-alive connection, as a deployed exchange's client would
 * hold one to its hub (node:http: fetch costs the benchmark's client several times the CPU).
 */
function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, agent: http.Agent): Promise<{ status: number; text: string; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: h });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function cxpClient(hubUrl: string, creds: Credentials): CxpClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const request = async (method: string, path: string, body?: string, opts: SignOptions = {}) => {
    const url = `${hubUrl}/cxp${path}`;
    const contentType = opts.contentType ?? 'application/json';
    const signed = Hawk.client.header(url, method, {
      credentials: { ...creds, key: opts.key ?? creds.key },
      payload: body ?? '', contentType: body === undefined ? '' : contentType,
      // Hawk's client writes a given timestamp as it is: a text here, to sign malformed ones.
      timestamp: (opts.ts ?? Math.floor(Date.now() / 1000) + (opts.skewSec ?? 0)) as number,
      ...(opts.nonce ? { nonce: opts.nonce } : {}),
      ...(opts.ext !== undefined ? { ext: opts.ext } : {}),
    });
    const authorization = opts.authorization ?? signed.header;
    const res = await send(new URL(url), method, { authorization, ...(body === undefined ? {} : { 'content-type': contentType }) }, opts.tamper ?? body, agent);
    const text = res.text;
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => { headers[k] = v; });
    let verified = false;
    try {
      Hawk.client.authenticate({ headers } as never, creds, signed.artifacts, { payload: text, required: true });
      verified = true;
    } catch {
      verified = false;
    }
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, text, headers: res.headers, verified, authorization };
  };
  return {
    creds,
    request,
    handshake: (body, opts) => request('POST', '/server', JSON.stringify(body), opts),
    clients: (opts) => request('GET', '/server/clients', undefined, opts),
    prepare: (query, opts) => request('GET', `/transactions?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`, undefined, opts),
    try: (body, opts) => request('PUT', '/transactions', JSON.stringify(body), opts),
  };
}

export type Behaviour = 'ok' | { refuse: number; message?: string } | 'error500' | 'unsigned';

/** A member exchange's server: PUT <uri>/transactions, Hawk-verified, idempotent on temp_id. */
export interface FakeExchange {
  uri: string;
  port: number;
  creds: Credentials | null;
  behaviour: Behaviour;
  /** Every authenticated relay received, in order. */
  received: Array<Record<string, any>>;
  /** Payments it has written (really=true, once per temp_id). */
  written: Map<string, Record<string, any>>;
  /** Requests refused for bad authentication. */
  unauthenticated: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startFakeExchange(opts: { port?: number; path?: string } = {}): Promise<FakeExchange> {
  const path = opts.path ?? '/lets';
  const nonces = new Set<string>();
  const answers = new Map<string, { status: number; body: unknown }>();
  let server: http.Server | null = null;
  const ex: FakeExchange = {
    uri: '', port: opts.port ?? 0, creds: null, behaviour: 'ok', received: [], written: new Map(), unauthenticated: 0,
    async start() {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => void handle(req, res, Buffer.concat(chunks).toString('utf8')));
      });
      await new Promise<void>((r) => server!.listen(ex.port, '127.0.0.1', () => r()));
      ex.port = (server.address() as { port: number }).port;
      ex.uri = `http://127.0.0.1:${ex.port}${path}`;
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };

  const reply = (res: http.ServerResponse, status: number, body: unknown, auth?: { credentials: unknown; artifacts: unknown }) => {
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth && ex.behaviour !== 'unsigned') {
      headers['server-authorization'] = Hawk.server.header(auth.credentials as never, auth.artifacts as never, { payload: text, contentType: 'application/json' });
    }
    res.writeHead(status, headers);
    res.end(text);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, payload: string) => {
    if (req.method !== 'PUT' || req.url !== `${path}/transactions`) return reply(res, 404, { code: 26, args: {} });
    let auth: { credentials: unknown; artifacts: { nonce: string } };
    try {
      assert.ok(ex.creds, 'fake exchange has no credentials yet');
      auth = await Hawk.server.authenticate(req, async (id) => (id === ex.creds!.id ? { ...ex.creds!, user: id } : null) as never, { payload }) as never;
      if (nonces.has(auth.artifacts.nonce)) throw new Error('replay');
      nonces.add(auth.artifacts.nonce);
    } catch {
      ex.unauthenticated++;
      return reply(res, 401, { code: 17, args: {} });
    }
    const m = JSON.parse(payload) as Record<string, any>;
    ex.received.push(m);
    if (ex.behaviour === 'error500') return reply(res, 500, { code: 5, args: {} }, auth);
    const known = answers.get(m.temp_id);
    if (m.really && known) return reply(res, known.status, known.body, auth);
    const b = ex.behaviour;
    const answer = typeof b === 'object'
      ? { status: 422, body: { code: b.refuse, args: b.message ? { '@message': b.message } : {}, ...(b.message ? { message: b.message } : {}) } }
      : { status: 200, body: { code: 'OK', args: {} } };
    if (m.really) {
      answers.set(m.temp_id, answer);
      if (answer.status === 200) ex.written.set(m.temp_id, m);
    }
    reply(res, answer.status, answer.body, auth);
  };

  await ex.start();
  return ex;
}

/** Approve an exchange through the governance API; its credentials. */
export async function approveExchange(h: TestHub, body: Record<string, unknown>): Promise<{ creds: Credentials; exchange: any; legacyKey?: string }> {
  const r = await h.call('POST', '/exchanges', { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { creds: r.body.hawk, exchange: r.body.exchange, legacyKey: r.body.legacyKey };
}

export const handshakeBody = (uri: string, extra: Record<string, unknown> = {}) => ({
  api: 1, mail: 'admin@lets.example', ticks: 1, first_trade: 1356998400, traders: 12, transactions: 30, uri, ...extra,
});

/** The import-export account's balance, as the governance API shows it (exchange units). */
export async function importExportBalance(h: TestHub, code: string): Promise<string> {
  const r = await h.call('GET', `/communities/${code}/accounts/IMPORT-EXPORT`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.balance;
}

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The decimal text of m × 10^p (p of any sign): plain(15n, -1) = "1.5", plain(15n, 2) = "1500". */
export function plain(m: bigint, p: number): string {
  if (p >= 0) return m === 0n ? '0' : `${m}${'0'.repeat(p)}`;
  const s = m.toString().padStart(-p + 1, '0');
  return `${s.slice(0, s.length + p)}.${s.slice(s.length + p)}`;
}

/**
 * Every way JSON can write the number m × 10^e: plain or with an exponent (e or E, a +
 * or not, leading zeros), trailing zeros, and JSON.stringify's own form when a float
 * holds the value exactly enough to print it back (15 significant digits or fewer, far
 * from underflow and overflow).
 */
export function jsonNumberText(m: bigint, e: number): fc.Arbitrary<string> {
  const exponent = fc.record({
    x: fc.integer({ min: -30, max: 30 }),
    letter: fc.constantFrom('e', 'E'),
    plus: fc.boolean(),
    pad: fc.integer({ min: 0, max: 2 }),
    zeros: fc.integer({ min: 0, max: 4 }),
  }).map(({ x, letter, plus, pad, zeros }) => {
    const coefficient = plain(m, e - x);
    const padded = zeros === 0 ? coefficient : coefficient.includes('.') ? `${coefficient}${'0'.repeat(zeros)}` : `${coefficient}.${'0'.repeat(zeros)}`;
    return `${padded}${letter}${x < 0 ? '-' : plus ? '+' : ''}${'0'.repeat(pad)}${Math.abs(x)}`;
  });
  const trailing = fc.integer({ min: 0, max: 12 }).map((z) => {
    const t = plain(m, e);
    return z === 0 ? t : t.includes('.') ? `${t}${'0'.repeat(z)}` : `${t}.${'0'.repeat(z)}`;
  });
  const significant = m.toString().replace(/0+$/, '').length;
  const float = Number(plain(m, e));
  const forms = [trailing, exponent];
  if (significant <= 15 && (m === 0n || Math.abs(float) >= 1e-300) && Math.abs(float) < 1e300) forms.push(fc.constant(JSON.stringify(float)));
  return fc.oneof(...forms);
}
