/**
 * The governance API under /governance/v1: every operation behind the same steps —
 * disabled? (503) → bearer token (401) → JSON body and schema (400) → handler, whose
 * core errors become 404/409/422. Nothing reaches a service before its input is valid.
 */
import Router from '@koa/router';
import { HttpError } from '../http/errors';
import { UUID, findNul, nulRefusal } from '../http/edge';
import { AppContext, HttpState } from '../http/server';
import { accountOperations } from './accounts';
import { auditOperations } from './audit-log';
import { Authenticator, bearerToken } from './auth';
import { communityOperations } from './communities';
import { creditLineOperations } from './credit-lines';
import { BASE_PATH, openApiDocument } from './openapi';
import { GovernanceDeps, Operation, operation } from './operation';
import { transferOperations } from './transfers';
import { reconcileOperations } from './reconcile';
import { governanceSchemas } from './schemas';
import { Schema } from './schemas/schema';
import { validBody, validQuery } from './validate';

/** What the protocols add: their operations (after the hub's own) and the named schemas those use. */
export interface GovernancePlugins {
  operations: Operation[];
  schemas: Schema<unknown>[];
}

export function governanceOperations(deps: GovernanceDeps, plugins: GovernancePlugins = { operations: [], schemas: [] }): Operation[] {
  const ops: Operation[] = [
    ...communityOperations(deps),
    ...accountOperations(deps),
    ...creditLineOperations(deps),
    ...transferOperations(deps),
    ...auditOperations(deps),
    ...reconcileOperations(deps),
    ...plugins.operations,
  ];
  let document: Record<string, unknown> | null = null;
  ops.push(operation({
    id: 'getOpenApi', method: 'get', path: '/openapi.json', tag: 'meta', public: true,
    summary: 'This document (no token needed)',
    responses: { 200: { description: 'the OpenAPI 3.1 document' } },
    errors: [],
    async handle() {
      document ??= openApiDocument(ops, governanceSchemas({ mirrorKinds: deps.communities.mirrorKinds, protocols: plugins.schemas }));
      return { status: 200, body: document };
    },
  }));
  return ops;
}

/**
 * Path parameters checked by their type before any reaches SQL: no NUL anywhere, and an
 * `{id}` is a UUID (as the OpenAPI document says), else a 400 naming the parameter.
 */
function validParams(params: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(params)) {
    if (findNul(value) !== null) throw nulRefusal(name);
    if (name === 'id' && !UUID.test(value)) throw new HttpError(400, 'invalid_request', `${name} must be a UUID such as 0b6f5a9e-3c1d-4f7a-9b2e-5d8c7a6f4e3b`, name);
  }
  return params;
}

function authenticate(ctx: AppContext, auth: Authenticator): string {
  if (!auth.enabled) throw new HttpError(503, 'governance_disabled', auth.reason);
  const token = bearerToken(ctx.get('authorization') || undefined);
  const actor = token === null ? null : auth.authenticate(token);
  if (actor === null) {
    ctx.set('WWW-Authenticate', token === null
      ? 'Bearer realm="intertrade-governance"'
      : 'Bearer realm="intertrade-governance", error="invalid_token"');
    throw new HttpError(401, token === null ? 'unauthorized' : 'invalid_token', token === null
      ? 'this request needs an Authorization: Bearer <token> header with a governance token'
      : 'the bearer token is not one of this hub\'s governance tokens');
  }
  return actor;
}

export function governanceRouter(deps: GovernanceDeps & { auth: Authenticator; plugins?: GovernancePlugins }): Router<HttpState> {
  const router = new Router<HttpState>({ prefix: BASE_PATH });
  for (const op of governanceOperations(deps, deps.plugins)) {
    const koaPath = op.path.replace(/\{(\w+)\}/g, ':$1');
    router[op.method](op.id, koaPath, async (ctx: AppContext) => {
      const actor = op.public ? '' : authenticate(ctx, deps.auth);
      const params = validParams(ctx.params as Record<string, string>);
      let body: unknown;
      if (op.body) {
        // is() is null without a body: an empty body is the empty object, whose missing fields are named.
        const json = ctx.request.is('application/json');
        if (json === false) {
          throw new HttpError(415, 'unsupported_media_type', 'send the request body as JSON with Content-Type: application/json');
        }
        body = validBody(op.body, json === null ? {} : ctx.request.body);
      }
      const query = op.query ? validQuery(op.query, ctx.query) : undefined;
      const reply = await op.handle({
        actor,
        params,
        body,
        query,
        header: (name) => ctx.get(name) || undefined,
      });
      for (const [k, v] of Object.entries(reply.headers ?? {})) ctx.set(k, v);
      ctx.status = reply.status;
      if (reply.body !== undefined) ctx.body = reply.body;
    });
  }
  return router;
}
