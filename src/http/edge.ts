/**
 * What no protocol may pass on to the database: PostgreSQL refuses U+0000 in text and
 * jsonb, so a NUL anywhere in a request would surface as a 500 deep inside. Refused at
 * the edge instead, naming where it is; each protocol answers in its own format (the
 * shared error path hands the failure to the path's owner).
 */
import { HttpError } from './errors';

const NUL = '\u0000';

/** An id as the hub makes them (transfers, requests): checked before it reaches a uuid column. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The dotted path of the first string holding NUL ('' for the value itself), or null. */
export function findNul(value: unknown, at = ''): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? at : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const f = findNul(value[i], at ? `${at}.${i}` : String(i));
      if (f !== null) return f;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const where = at ? `${at}.${k}` : k;
      if (k.includes(NUL)) return where;
      const f = findNul(v, where);
      if (f !== null) return f;
    }
  }
  return null;
}

export const nulRefusal = (field: string): HttpError =>
  new HttpError(400, 'invalid_request', `${field || 'the request'} must not contain the NUL character (U+0000)`, field);

/** Throws the refusal for the first query parameter or body field holding NUL. */
export function refuseNul(query: unknown, body: unknown): void {
  const q = findNul(query);
  if (q !== null) throw nulRefusal(q);
  const b = findNul(body);
  if (b !== null) throw nulRefusal(b);
}
