/**
 * The hub's own error body for routes that are not a foreign protocol (health,
 * governance). Protocol adapters answer in their protocol's format instead.
 */
import { Unavailable, isUnavailable } from '../unavailable';

/** An outage (database or Stellar network unreachable): 503 with Retry-After, never a 500. Protocols answer it in their own format. */
export { Unavailable, isUnavailable };

/** What an outage tells the caller: what is down, and that repeating the same request is safe. */
export const outageText = (e: Unavailable): string => `${e.message}; repeat the same request in a few seconds (it never applies twice)`;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string; requestId?: string };
}

export interface DescribedError {
  status: number;
  code: string;
  message: string;
  field?: string;
  /** Seconds a repeat should wait (the Retry-After header of a 503). */
  retryAfter?: number;
  expose: boolean;
}

/** Map errors thrown by koa, its body parser and the hub's outages to a status and a code. */
export function describeError(err: unknown): DescribedError {
  if (err instanceof HttpError) return { status: err.status, code: err.code, message: err.message, field: err.field, expose: true };
  if (isUnavailable(err)) {
    return { status: 503, code: 'unavailable', message: outageText(err), retryAfter: err.retryAfterSec, expose: true };
  }
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string; type?: string };
  const status = e.status ?? e.statusCode ?? 500;
  if (status === 413) return { status, code: 'payload_too_large', message: 'request body is larger than the hub accepts', expose: true };
  if (status === 400 && (e.type === 'entity.parse.failed' || err instanceof SyntaxError)) {
    return { status, code: 'malformed_body', message: 'request body is not valid JSON', expose: true };
  }
  if (status >= 400 && status < 500 && e.expose) return { status, code: 'bad_request', message: e.message ?? 'bad request', expose: true };
  return { status: 500, code: 'internal_error', message: 'internal error; the request id identifies it in the hub logs', expose: false };
}
