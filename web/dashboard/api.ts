/** The governance API as the page uses it: the token from sessionStorage, errors in words. */

const KEY = 'intertrade.token';
export const BASE = '/governance/v1';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

export const token = (): string | null => sessionStorage.getItem(KEY);
export const setToken = (t: string | null): void => { if (t) sessionStorage.setItem(KEY, t); else sessionStorage.removeItem(KEY); };

/** Calls the governance API (or, with `raw`, any path of the hub); resolves with the JSON body, or throws an ApiError whose message says what went wrong. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function api<T = any>(method: string, path: string, body?: unknown, opts: { raw?: boolean; headers?: Record<string, string> } = {}): Promise<T> {
  let r: Response;
  try {
    r = await fetch(opts.raw ? path : `${BASE}${path}`, {
      method,
      headers: {
        ...(token() ? { authorization: `Bearer ${token()}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'unreachable', 'The hub did not answer: check that it is running and that you are online, then try again.');
  }
  if (r.status === 204) return undefined as T;
  const text = await r.text();
  let json: unknown = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: /metrics, or an error page */ }
  if (!r.ok && !(opts.raw && r.status === 503)) {
    const e = (json as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    const what = e?.message ?? `the hub answered ${r.status} ${r.statusText}`;
    throw new ApiError(r.status, e?.code ?? String(r.status), `${what}${e?.field ? ` (field: ${e.field})` : ''}`);
  }
  return (json ?? text) as T;
}

export interface Me { actor: string; role: 'operator' | 'community' | 'auditor'; communities: string[] | null }
export interface Community { code: string; name: string; kind: string; status: string; rate: { n: number; d: number }; ledgerStatus: string }
export interface CreditLine { community: string; peer: string; limit: string; usage: string }
export interface Account { code: string; kind: string; status: string; creditLimit: string; maxBalance: string; ledgerStatus: string }
export interface Delivery { kind: string; target: string; state: string; attempts: number; nextAttemptAt: string; lastError: string | null }
export interface Transfer {
  id: string; state: string; payer: string; payee: string; amount: string; sourceAmount: string | null; errorCode: string | null;
  errorMessage: string | null; meta: string; createdAt: string; protocol?: string; ledgerHash?: string | null; deliveries?: Delivery[];
}

/** What a principal may do with a community. */
export const mayWrite = (me: Me, code: string): boolean => me.role === 'operator' || (me.role === 'community' && (me.communities ?? []).includes(code));
export const hubWide = (me: Me): boolean => me.communities === null;
