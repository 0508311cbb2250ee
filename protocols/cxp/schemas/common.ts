/** Building blocks shared by the CXP messages. */

/** A JSON Schema (2020-12) object; the same objects validate and are published. */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface Schema<T> {
  readonly name: string;
  readonly json: JsonSchema;
  /** Carries T for the compiler only. */
  readonly type?: T;
}

export const schema = <T>(name: string, json: JsonSchema): Schema<T> => ({ name, json });

/** Printable text: no control characters but tab and newline (else code 13). */
export const TEXT = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$';

export const text = (max: number, description: string, min = 1) =>
  ({ type: 'string', minLength: min, maxLength: max, pattern: TEXT, description }) as const;

/** A site address as CXP names exchanges: "servername.com", "domain.org/mytown", or with http(s)://. */
export const siteUrl = (description: string) =>
  ({ type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\s<>"{}|\\\\^`]+$', description }) as const;

/**
 * Base units (HOUR) as a JSON number, as the spec has it. It is read exactly from the
 * text it is written with (1e-7 and 0.0000001 alike: translate.ts), never through a
 * float: at most 7 decimals.
 */
export const quantity = (description: string) =>
  ({ type: 'number', exclusiveMinimum: 0, maximum: 922337203685, description }) as const;
