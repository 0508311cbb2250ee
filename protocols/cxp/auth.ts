/**
 * Hawk HMAC for CXP, both ways. Incoming: the MAC covers method, path and query, host
 * and port, timestamp and nonce, and a payload hash that is required and checked
 * against the raw body; a nonce (at most 128 characters) is accepted once (stored in
 * the database, so also across restarts); a `ts` that is not whole seconds, or a clock
 * off by more than 60 s, is refused with the hub's time in WWW-Authenticate (Hawk's
 * `ts`/`tsm`) so the client can correct; answers carry
 * Server-Authorization. Outgoing (relays): signed with the receiving exchange's
 * credentials, and its Server-Authorization must verify.
 */
import Hawk from 'hawk';
import { CxpFailure } from './errors';
import { CxpExchange, ExchangeStore, HawkCredentials } from './store';

export const SKEW_SEC = 60;
/** Hawk's own client writes 6 characters; the nonce is stored, so it is bounded. */
export const MAX_NONCE = 128;
/** Hawk's ts: whole seconds since 1970, in digits (Hawk itself reads it as a float and lets NaN through). */
const TS = /^\d{1,15}$/;

type HawkArtifacts = Hawk.crypto.Artifacts;
type IncomingRequest = Parameters<typeof Hawk.server.authenticate>[0];

export interface Authenticated {
  exchange: CxpExchange;
  credentials: HawkCredentials;
  artifacts: HawkArtifacts;
  /** Signed with the key before the last rotation (accepted at handshake only). */
  previousKey: boolean;
}

/** The Hawk id named by the Authorization header, or null when there is none to read. */
export function hawkIdOf(header: string | undefined): string | null {
  if (!header || !/^Hawk\s/i.test(header)) return null;
  try {
    return Hawk.utils.parseAuthorizationHeader(header).id ?? null;
  } catch {
    return null;
  }
}

const notEnough = (reason: string, headers: Record<string, string> = {}) =>
  new CxpFailure(18, { '@reason': reason }, { 'WWW-Authenticate': 'Hawk', ...headers });
const wrongKey = (reason: string) => new CxpFailure(17, { '@reason': reason }, { 'WWW-Authenticate': 'Hawk' });

/** A timestamp refused (18), with the hub's time, as Hawk's WWW-Authenticate gives it, in `@ts`. */
function badTimestamp(www: string, why: string): CxpFailure {
  const ts = /ts="(\d+)"/.exec(www)?.[1] ?? String(Math.floor(Date.now() / 1000));
  return new CxpFailure(18, { '@reason': `${why}; the hub's time is ${ts}`, '@ts': ts }, { 'WWW-Authenticate': www });
}

/** Why Hawk refused, as a CXP code: 17 when the MAC or payload hash is wrong, 18 otherwise. */
function refusal(err: unknown): CxpFailure {
  const e = err as { message?: string; output?: { headers?: Record<string, string> } };
  const message = e.message ?? 'invalid authorization';
  if (message === 'Bad mac') return wrongKey('the MAC does not match: wrong key, or the request was changed on the way');
  if (message === 'Bad payload hash') return wrongKey('the payload hash does not match the body');
  if (message === 'Stale timestamp') return badTimestamp(e.output?.headers?.['WWW-Authenticate'] ?? 'Hawk', `clock skew beyond ${SKEW_SEC} s`);
  if (message === 'Missing required payload hash') return notEnough('the payload hash (hash attribute) is required');
  return notEnough(message);
}

/**
 * Authenticate one request. `payload` is the raw body ('' without one). Unknown ids are
 * `null` (the caller answers status −1 or 16); `allowPrevious` is for the handshake,
 * where a client whose rotation answer was lost may still sign with its old key.
 */
export async function authenticate(
  req: IncomingRequest, payload: string, store: ExchangeStore, opts: { allowPrevious?: boolean } = {},
): Promise<Authenticated | null> {
  const header = (req as { headers?: Record<string, string | undefined> }).headers?.authorization;
  if (!header) throw notEnough('this request needs an Authorization: Hawk … header');
  if (!/^Hawk\s/i.test(header)) throw notEnough('the Authorization header must use the Hawk scheme');
  let attrs: Record<string, string>;
  try {
    attrs = Hawk.utils.parseAuthorizationHeader(header) as Record<string, string>;
  } catch {
    throw notEnough('the Hawk Authorization header cannot be read');
  }
  for (const a of ['id', 'ts', 'nonce', 'mac', 'hash']) {
    if (!attrs[a]) throw notEnough(`the Hawk header has no ${a} attribute${a === 'hash' ? ' (the payload hash is required)' : ''}`);
  }
  if (attrs.nonce.length > MAX_NONCE) throw notEnough(`the Hawk nonce is longer than ${MAX_NONCE} characters`);
  const exchange = await store.byHawkId(attrs.id);
  if (!exchange) return null;
  const { current } = await store.keys(exchange);

  const attempt = (credentials: HawkCredentials) => Hawk.server.authenticate(req, async () => credentials, { payload, timestampSkewSec: SKEW_SEC });
  let result: { credentials: HawkCredentials; artifacts: HawkArtifacts };
  let previousKey = false;
  try {
    result = await attempt(current) as unknown as typeof result;
  } catch (err) {
    const previous = opts.allowPrevious && (err as Error).message === 'Bad mac' ? await store.previousKey(exchange) : null;
    if (!previous) throw refusal(err);
    try {
      result = await attempt(previous) as unknown as typeof result;
      previousKey = true;
    } catch (err2) {
      throw refusal(err2);
    }
  }
  // The MAC covers ts as written, and Hawk's skew check passes a ts that is no number
  // (NaN) or a fraction: refused like a stale one, with the hub's time signed (tsm).
  if (!TS.test(attrs.ts)) {
    const { ts, tsm } = Hawk.crypto.timestampMessage(result.credentials, 0);
    const www = Hawk.utils.unauthorized('Stale timestamp', { ts, tsm }).output.headers['WWW-Authenticate'];
    throw badTimestamp(String(www), 'the Hawk ts attribute must be whole seconds since 1970, in digits');
  }
  // Only a request that authenticated spends its nonce: a forged one cannot burn it.
  if (!await store.rememberNonce(exchange, attrs.nonce, Number(attrs.ts), SKEW_SEC)) {
    throw notEnough('this nonce was used already: the request is a replay');
  }
  return { exchange, credentials: result.credentials, artifacts: result.artifacts, previousKey };
}

/** Server-Authorization for an answer to an authenticated request. */
export function serverAuthorization(auth: Pick<Authenticated, 'credentials' | 'artifacts'>, body: string, contentType: string): string {
  return Hawk.server.header(auth.credentials, auth.artifacts, { payload: body, contentType });
}

/** Sign an outgoing request (a relay) with the receiving exchange's credentials. */
export function signRequest(url: string, method: string, credentials: HawkCredentials, body: string, contentType: string) {
  return Hawk.client.header(url, method, { credentials, payload: body, contentType });
}

/** Check the receiving exchange's Server-Authorization over its answer (headers by lower-case name); false if it does not verify. */
export function verifyResponse(
  headers: Record<string, string>, credentials: HawkCredentials, artifacts: HawkArtifacts, body: string,
): boolean {
  try {
    Hawk.client.authenticate({ headers } as never, credentials, artifacts, { payload: body, required: true });
    return true;
  } catch {
    return false;
  }
}
