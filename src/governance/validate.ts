/**
 * Request validation against the published schemas. A refusal names the field at fault
 * as a dotted path ("importExport.creditLimit"), from ajv's instancePath and, for
 * missing or unknown properties, the property ajv reports.
 */
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { AmountError, amountErrorMessage, isAmountError, parseAmount } from '../core/amounts';
import { HttpError } from '../http/errors';
import { Schema } from './schemas/schema';

function configure(ajv: Ajv2020): Ajv2020 {
  addFormats(ajv);
  ajv.addFormat('amount', { type: 'string', validate: (s: string) => !isAmountError(parseAmount(s, { allowZero: true })) });
  ajv.addFormat('positive-amount', { type: 'string', validate: (s: string) => !isAmountError(parseAmount(s)) });
  return ajv;
}

// verbose: errors carry the offending value, so an amount refusal can say exactly why.
const bodies = configure(new Ajv2020({ allErrors: false, verbose: true, strict: true }));
// Query strings are text: "limit=5" must validate as the integer 5.
const queries = configure(new Ajv2020({ allErrors: false, verbose: true, strict: true, coerceTypes: true, useDefaults: true }));

const compiled = new Map<string, ValidateFunction>();

function compile(ajv: Ajv2020, kind: string, s: Schema<unknown>): ValidateFunction {
  const key = `${kind}:${s.name}`;
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(s.json);
    compiled.set(key, v);
  }
  return v;
}

const path = (instancePath: string, prop?: string): string =>
  [...instancePath.split('/').slice(1), ...(prop ? [prop] : [])].map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');

/** One ajv error as the API's 400. */
export function describe(e: ErrorObject, where: string): HttpError {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') {
    const field = path(e.instancePath, String(params.missingProperty));
    return new HttpError(400, 'invalid_request', `${field} is required`, field);
  }
  if (e.keyword === 'additionalProperties') {
    const field = path(e.instancePath, String(params.additionalProperty));
    return new HttpError(400, 'invalid_request', where === 'query'
      ? `${field} is not a parameter of this request; remove it`
      : `${field} is not a field of this request; remove it`, field);
  }
  const field = path(e.instancePath);
  const name = field || where;
  // A refusal of the whole body or query names it as '' (the documented "field" of the root).
  const at = field;
  const parent = (e.parentSchema ?? {}) as { format?: string; description?: string };
  const amountFormat = parent.format === 'amount' || parent.format === 'positive-amount';
  if (e.keyword === 'format' && amountFormat) {
    const r = parseAmount(String(e.data), { allowZero: params.format === 'amount' });
    const why = isAmountError(r) ? amountErrorMessage[r] : amountErrorMessage[AmountError.NotANumber];
    return new HttpError(400, 'invalid_request', `${name} ${why}`, at);
  }
  if (e.keyword === 'type') {
    // Amounts are strings on purpose: a JSON number is a float and may already be rounded.
    if (amountFormat) return new HttpError(400, 'invalid_request', `${name} must be a decimal string such as "12.5", not a JSON ${typeof e.data}`, at);
    const what = `${field ? '' : 'JSON '}${String(params.type)}`;
    return new HttpError(400, 'invalid_request', `${name} must be ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what}`, at);
  }
  if (e.keyword === 'enum') {
    return new HttpError(400, 'invalid_request', `${name} must be one of ${(params.allowedValues as unknown[]).join(', ')}`, at);
  }
  if (e.keyword === 'pattern' && parent.description) {
    return new HttpError(400, 'invalid_request', `${name} is malformed: expected ${parent.description.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase())}`, at);
  }
  if (e.keyword === 'minProperties' && !field) return new HttpError(400, 'invalid_request', `${where} must set at least one field`, '');
  return new HttpError(400, 'invalid_request', `${name} ${e.message ?? 'is invalid'}`, at);
}

/** The request body as T, or a 400 naming the field at fault. */
export function validBody<T>(s: Schema<T>, body: unknown): T {
  const v = compile(bodies, 'body', s as Schema<unknown>);
  if (!v(body)) throw describe(v.errors![0], 'request body');
  return body as T;
}

/** The query string as T (coerced, defaults applied), or a 400 naming the parameter. */
export function validQuery<T>(s: Schema<T>, query: Record<string, string | string[] | undefined>): T {
  const copy: Record<string, unknown> = { ...query };
  const v = compile(queries, 'query', s as Schema<unknown>);
  if (!v(copy)) throw describe(v.errors![0], 'query');
  return copy as T;
}
