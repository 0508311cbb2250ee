/**
 * A JSON Schema (2020-12, the dialect of OpenAPI 3.1) paired with the TypeScript type
 * of what it admits. The same objects validate requests (ajv) and are published in the
 * OpenAPI document, so the document cannot drift from what the API accepts.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface Schema<T> {
  /** Component name in the OpenAPI document. */
  readonly name: string;
  readonly json: JsonSchema;
  /** Carries T for the compiler only; never set. */
  readonly type?: T;
}

export const schema = <T>(name: string, json: JsonSchema): Schema<T> => ({ name, json });
