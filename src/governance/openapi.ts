/**
 * The OpenAPI 3.1 document, generated from the operations the router mounts and the
 * very schema objects that validate requests. A schema nested in another is published
 * once, as a component, and referenced wherever the same object is reused.
 */
import { Operation } from './operation';
import { AccountCode, CommunityCode } from './schemas/common';
import { JsonSchema, Schema } from './schemas/schema';

export const BASE_PATH = '/governance/v1';

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request: error.field names what is wrong',
  401: 'missing or unknown bearer token',
  403: 'forbidden: the token\'s role or communities lack the right this operation needs (error.message names it); nothing was changed',
  404: 'the community, account, peer or transfer named does not exist',
  409: 'conflict: duplicate code, reused Idempotency-Key, or a community still being set up',
  422: 'refused by the rules (e.g. below_outstanding, credit_line_on_self, same_account)',
  503: 'governance_disabled: the governance API is disabled on this hub (no GOVERNANCE_TOKENS); '
    + 'unavailable: the hub\'s database or the Stellar network is unreachable for now (error.message says which, in words): '
    + 'repeat the same request after Retry-After, it never applies twice',
};

const ref = (s: Schema<unknown>) => ({ $ref: `#/components/schemas/${s.name}` });

/** `schemas`: every named schema, published once as a component and referenced wherever reused. */
export function openApiDocument(operations: Operation[], schemas: Schema<unknown>[]): Record<string, unknown> {
  const named = new Map<object, Schema<unknown>>(schemas.map((s) => [s.json, s]));
  /** Copy a schema, replacing nested named schemas by references. */
  const publish = (node: unknown, root: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => publish(n, false));
    if (node === null || typeof node !== 'object') return node;
    const s = named.get(node);
    if (s && !root) return ref(s);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, publish(v, false)]));
  };
  const param = (name: string): unknown => {
    if (name === 'code' || name === 'peer') return ref(CommunityCode);
    if (name === 'account') return ref(AccountCode);
    return { type: 'string', format: name === 'id' ? 'uuid' : undefined };
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters: unknown[] = [];
    for (const m of op.path.matchAll(/\{(\w+)\}/g)) parameters.push({ name: m[1], in: 'path', required: true, schema: param(m[1]) });
    for (const h of op.headers ?? []) parameters.push({ name: h.name, in: 'header', required: h.required, description: h.description, schema: { type: 'string' } });
    if (op.query) {
      const props = (op.query.json.properties ?? {}) as Record<string, JsonSchema>;
      const required = (op.query.json.required ?? []) as string[];
      for (const [name, s] of Object.entries(props)) {
        const { description, ...rest } = s as { description?: string };
        parameters.push({ name, in: 'query', required: required.includes(name), description, schema: publish(rest, false) });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      responses[status] = { description: r.description, ...(r.schema ? { content: { 'application/json': { schema: ref(r.schema) } } } : {}) };
    }
    // Every operation behind a token may be refused by its role: access.ts.
    for (const status of op.public ? op.errors : [...new Set([...op.errors, 403])].sort()) {
      responses[String(status)] = { description: ERROR_TEXT[status] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      operationId: op.id,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } } : {}),
      responses,
      ...(op.public ? { security: [] } : {}),
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Intertrade governance API',
      version: '1',
      description: 'What the governing bodies of a hub\'s communities do: create communities and members, set rates, '
        + 'credit lines and limits, block and unblock, make manual payments, read the audit log. '
        + 'Every change is recorded with the actor and role of the bearer token used. Amounts are decimal strings. '
        + 'Roles: a hub operator may do everything; a community\'s governing body what concerns its communities; '
        + 'an auditor may only read (docs/governance.md#roles). A refusal is 403 forbidden naming the missing right.',
    },
    servers: [{ url: BASE_PATH }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'a token from GOVERNANCE_TOKENS or DATA_DIR/governance.token (a hub operator\'s), or one created with POST /tokens' } },
      schemas: Object.fromEntries(schemas.map((s) => [s.name, publish(s.json, true)])),
    },
  };
}
