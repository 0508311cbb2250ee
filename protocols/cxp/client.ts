/**
 * The relay: the hub tells the receiving exchange about a transaction with
 * PUT <its uri>/transactions (legacy: POST <uri>intertrade, a form with its key),
 * signed with that exchange's own Hawk credentials, and checks its Server-Authorization.
 * The answer is sorted into what the outbox needs: the exchange has it (OK), said no for
 * good (a CXP code), or was not reached / not understood / not authenticated (try again).
 */
import { DeliveryOutcome } from '../../src/core/deliveries/service';
import { Delivery } from '../../src/core/deliveries/model';
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
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: 'PUT', body, signal: AbortSignal.timeout(timeoutMs),
        headers: { 'content-type': 'application/json', authorization: header },
      });
      text = await res.text();
    } catch (err) {
      return { kind: 'retry', code: 27, error: `${url} not reached: ${(err as Error).cause ?? (err as Error).message}` };
    }
    if (res.status >= 500) return { kind: 'retry', code: 27, error: `${url} answered ${res.status}` };
    let parsed: { code?: unknown; args?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch {
      return { kind: 'retry', code: 27, error: `${url} answered ${res.status} with something that is not JSON` };
    }
    // An answer we cannot attribute to the exchange counts for nothing.
    if (!verifyResponse(res, current, artifacts, text)) {
      return { kind: 'retry', code: 20, error: `${url}: the answer's Server-Authorization does not verify` };
    }
    return sort(res.status, parsed);
  };

  const legacy = async (ex: CxpExchange, m: RelayMessage): Promise<RelayAnswer> => {
    const url = relayTarget(ex);
    const key = await store.legacyKey(ex);
    const form = new URLSearchParams({ ...Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])), really: m.really ? '1' : '0' });
    form.set('key', key?.reveal() ?? '');
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      return { kind: 'retry', code: 27, error: `${url} not reached: ${(err as Error).cause ?? (err as Error).message}` };
    }
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
