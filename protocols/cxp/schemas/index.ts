/**
 * Every CXP message validated with ajv against its schema; the first problem becomes
 * the spec's code for it, naming the field: 11 missing, 15 wrong type, 13 invalid
 * characters, 12 wrong sign, 8 anything else.
 */
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { CxpFailure, invalidField, missingField, typeError } from '../errors';
import { Schema } from './common';
import { Handshake, HandshakeReply } from './handshake';
import { ClientList, Prepare, PrepareReply } from './prepare';
import { ErrorReply, Try, TryReply } from './try';
import { LegacyHandshake, LegacyPrepare, LegacyTry } from './legacy';

export * from './common';
export { ClientList, ErrorReply, Handshake, HandshakeReply, Prepare, PrepareReply, Try, TryReply };

/** Every named schema, in the order the OpenAPI document lists them. */
export const SCHEMAS: Schema<unknown>[] = [Handshake, HandshakeReply, Prepare, PrepareReply, ClientList, Try, TryReply, ErrorReply, LegacyHandshake, LegacyPrepare, LegacyTry];

// JSON bodies are taken as they are; query strings and legacy form posts are text, so
// "1" must validate as the number 1 and "1" / "true" as true.
const strict = new Ajv2020({ allErrors: false, verbose: true, strict: true });
const coercing = new Ajv2020({ allErrors: false, verbose: true, strict: true, coerceTypes: true });
const compiled = new Map<string, ValidateFunction>();

const fieldOf = (instancePath: string, prop?: string): string =>
  [...instancePath.split('/').slice(1), ...(prop ? [prop] : [])].join('.');

function describe(e: ErrorObject): CxpFailure {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return missingField(fieldOf(e.instancePath, String(params.missingProperty)));
  if (e.keyword === 'additionalProperties') {
    const field = fieldOf(e.instancePath, String(params.additionalProperty));
    return invalidField(field, 'not a field of this message');
  }
  const field = fieldOf(e.instancePath) || 'body';
  if (e.keyword === 'type') return typeError(field, String(params.type));
  if (e.keyword === 'pattern') return new CxpFailure(13, { '@fieldname': field });
  if ((e.keyword === 'exclusiveMinimum' || e.keyword === 'minimum') && params.limit === 0) {
    return new CxpFailure(12, { '@fieldname': field, '@rel': e.keyword === 'exclusiveMinimum' ? '>' : '>=', '@value': String(e.data) });
  }
  return invalidField(field, e.data);
}

function validator(s: Schema<unknown>, coerce: boolean): ValidateFunction {
  const key = `${coerce ? 'c' : 's'}:${s.name}`;
  let v = compiled.get(key);
  if (!v) {
    v = (coerce ? coercing : strict).compile(s.json);
    compiled.set(key, v);
  }
  return v;
}

/** The message as T, or the CXP refusal for its first problem. */
export function valid<T>(s: Schema<T>, data: unknown, opts: { coerce?: boolean } = {}): T {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw typeError('body', 'object');
  const copy: Record<string, unknown> = opts.coerce ? { ...(data as object) } : data as Record<string, unknown>;
  if (opts.coerce) {
    // Forms and query strings say 1 / 0 for booleans (PHP's way); ajv only coerces "true" / "false".
    const props = (s.json.properties ?? {}) as Record<string, { type?: string }>;
    for (const [k, v] of Object.entries(copy)) {
      if (props[k]?.type === 'boolean' && (v === '1' || v === '0' || v === '')) copy[k] = v === '1';
    }
  }
  const v = validator(s as Schema<unknown>, opts.coerce ?? false);
  if (!v(copy)) throw describe(v.errors![0]);
  return copy as T;
}
