/**
 * The relay: the hub tells the receiving exchange about a transaction with
 * PUT <its uri>/transactions (legacy: POST <uri>intertrade, a form with its key),
 * signed with that exchange's own Hawk credentials, and checks its Server-Authorization.
 * The answer is sorted into what the outbox needs: the exchange has it (OK), said no for
 * good (a CXP code), or was not reached / not understood / not authenticated (try again).
 */
import http from 'node:http';
import https from 'node:https';
import { Delivery, DeliveryOutcome } from '../../src/core';
import { signRequest, verifyResponse } from './auth';
import { CxpCode, isCxpCode, render } from './errors';
import { CxpExchange, ExchangeStore } from './store';
import { toJson } from './translate';

/** The relayed try message (quantity in base units, as exact decimal text in the JSON). */
export interface RelayMessage {
  payer: string;
  payer_url: string;
  payee: string;
  payee_url: string;
  src_url: string;
  dest_url: string;
  /** Base-unit stroops as a decimal string (JSON-safe); written as a number on the wire. */
  quantity: string;
  description: string;
  really: boolean;
  temp_id: string;
}

/** What a `cxp.relay` delivery carries: to whom (the receiving exchange's community) and what. */
export interface RelayPayload {
  exchange: string;
  message: RelayMessage;
}

export const RELAY_KIND = 'cxp.relay';

export type RelayAnswer =
  | { kind: 'ok'; body: unknown }
  /** The exchange refused with a CXP code that will not change by repeating. */
  | { kind: 'refused'; code: CxpCode | number; args: Record<string, string>; message: string }
  /** Not reached, not understood, not authenticated, or "try again": repeat later. */
  | { kind: 'retry'; code: 20 | 26 | 27; error: string };

/** Codes that say "not now" rather than "no": the relay is repeated. */
const TRANSIENT = new Set([5, 7, 17, 18, 20, 27]);

export const relayTarget = (ex: Pick<CxpExchange, 'uri' | 'legacy'>): string =>
  ex.legacy ? `${ex.uri}intertrade` : `${ex.uri.replace(/\/+$/, '')}/transactions`;

function wireMessage(m: RelayMessage): Record<string, unknown> {
  // The quantity goes out as a bare JSON number with exactly its decimal digits.
  return { ...m, quantity: `\u0000${m.quantity}\u0000` };
}

/** An exchange's answer: status, headers (lower-case names) and body text. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** The most of an answer we read: an exchange has no reason to send more. */
const MAX_ANSWER = 1024 * 1024;

/**
 * Relays go through node:http with keep-alive agents: connections to each exchange are
 * reused, and it costs the hub's thread less per request than fetch (web streams).
 */
const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }) };

/**
 * One HTTP request, connection to last byte within `timeoutMs`; rejects when not reached
 * or too slow. A kept-alive connection the exchange closed just as we reused it is
 * retried once on a new one (relays are idempotent on temp_id, as the spec asks).
 */
async function request(url: string, opts: { method: string; headers: Record<string, string>; body: string; timeoutMs: number }): Promise<Answer> {
  try {
    return await requestOnce(url, opts);
  } catch (err) {
    if (!(err as { stale?: boolean }).stale) throw err;
    return requestOnce(url, opts);
  }
}

function requestOnce(url: string, opts: { method: string; headers: Record<string, string>; body: string; timeoutMs: number }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const agent = agents[u.protocol as keyof typeof agents];
    if (!agent) return reject(new Error(`unsupported scheme ${u.protocol}`));
    const body = Buffer.from(opts.body, 'utf8');
    let answered = false;
    const req = (u.protocol === 'https:' ? https : http).request(u, {
      method: opts.method, agent, headers: { ...opts.headers, 'content-length': String(body.length) },
    }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER) req.destroy(new Error(`answer larger than ${MAX_ANSWER} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => { clearTimeout(timer); reject(err); });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const stale = req.reusedSocket && !answered && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      reject(Object.assign(err, { stale }));
    });
    req.end(body);
  });
}

export interface RelayClient {
  send(ex: CxpExchange, m: RelayMessage): Promise<RelayAnswer>;
  /** The outbox handler for `cxp.relay` deliveries. */
  deliver(d: Delivery): Promise<DeliveryOutcome>;
}

export function createRelayClient(deps: { store: ExchangeStore; timeoutMs: number }): RelayClient {
  const { store, timeoutMs } = deps;

  const hawk = async (ex: CxpExchange, m: RelayMessage): Promise<RelayAnswer> => {
    const url = relayTarget(ex);
    const body = toJson(wireMessage(m));
    const { current } = await store.keys(ex);
    const { header, artifacts } = signRequest(url, 'PUT', current, body, 'application/json');
    let res: Answer;
    try {
      res = await request(url, {
        method: 'PUT', body, timeoutMs, headers: { 'content-type': 'application/json', authorization: header },
      });
    } catch (err) {
      return { kind: 'retry', code: 27, error: `${url} not reached: ${(err as Error).message}` };
    }
    const { text } = res;
    if (res.status >= 500) return { kind: 'retry', code: 27, error: `${url} answered ${res.status}` };
    let parsed: { code?: unknown; args?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch {
      return { kind: 'retry', code: 27, error: `${url} answered ${res.status} with something that is not JSON` };
    }
    // An answer we cannot attribute to the exchange counts for nothing.
    if (!verifyResponse(res.headers, current, artifacts, text)) {
      return { kind: 'retry', code: 20, error: `${url}: the answer's Server-Authorization does not verify` };
    }
    return sort(res.status, parsed);
  };

  const legacy = async (ex: CxpExchange, m: RelayMessage): Promise<RelayAnswer> => {
    const url = relayTarget(ex);
    const key = await store.legacyKey(ex);
    const form = new URLSearchParams({ ...Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])), really: m.really ? '1' : '0' });
    form.set('key', key?.reveal() ?? '');
    let res: Answer;
    try {
      res = await request(url, { method: 'POST', body: form.toString(), timeoutMs, headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' } });
    } catch (err) {
      return { kind: 'retry', code: 27, error: `${url} not reached: ${(err as Error).message}` };
    }
    const { text } = res;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    // The Drupal client: 200 and a JSON array, 'OK' or a code first; anything else is 27.
    if (res.status !== 200 || !Array.isArray(parsed) || parsed.length === 0) {
      return { kind: 'retry', code: 27, error: `${url} answered ${res.status} without the legacy JSON array` };
    }
    if (parsed[0] === 'OK') return { kind: 'ok', body: parsed };
    const code = Number(parsed[0]);
    const args = Object.fromEntries(parsed.slice(1).map((a, i) => [`@${i + 1}`, String(a)]));
    if (!Number.isInteger(code) || TRANSIENT.has(code)) return { kind: 'retry', code: 27, error: `${url} answered ${JSON.stringify(parsed).slice(0, 200)}` };
    return { kind: 'refused', code, args, message: `code ${code}${parsed.length > 1 ? `: ${parsed.slice(1).join(' ')}` : ''}` };
  };

  const send = (ex: CxpExchange, m: RelayMessage) => (ex.legacy ? legacy(ex, m) : hawk(ex, m));

  return {
    send,
    async deliver(d) {
      const p = d.payload as RelayPayload;
      const ex = await store.byCommunity(p.exchange);
      if (!ex) return { outcome: 'refused', reason: 'the receiving exchange is no longer a member of the circle', result: { code: 26, args: { '@server': d.target } } };
      const a = await send(ex, p.message);
      if (a.kind === 'ok') return { outcome: 'acknowledged', result: { code: 'OK' } };
      if (a.kind === 'refused') return { outcome: 'refused', reason: `${ex.uriKey} refused: ${a.message}`, result: { code: a.code, args: a.args, message: a.message } };
      return { outcome: 'retry', error: a.error };
    },
  };
}

/** A Hawk-mode answer: OK, a final refusal, or a code that means "again later". */
function sort(status: number, body: { code?: unknown; args?: unknown; message?: unknown }): RelayAnswer {
  if (status < 300 && body.code === 'OK') return { kind: 'ok', body };
  const code = typeof body.code === 'string' && /^\d+$/.test(body.code) ? Number(body.code) : body.code;
  if (typeof code !== 'number' || !Number.isInteger(code)) return { kind: 'retry', code: 27, error: `answered ${status} without a CXP code` };
  if (TRANSIENT.has(code)) return { kind: 'retry', code: 27, error: `answered code ${code}` };
  const args = body.args && typeof body.args === 'object' && !Array.isArray(body.args)
    ? Object.fromEntries(Object.entries(body.args as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
    : {};
  const message = typeof body.message === 'string' ? body.message : isCxpCode(code) ? render(code, args) : `code ${code}`;
  return { kind: 'refused', code, args, message: message.slice(0, 300) };
}
