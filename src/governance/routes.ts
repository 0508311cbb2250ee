/**
 * The governance API under /governance/v1: every operation behind the same steps —
 * disabled? (503) → bearer token (401) → the operation's declared right (403; after the
 * body when the right depends on it) → JSON body and schema (400) → handler, whose core errors become 404/409/422. Nothing reaches
 * a service before its input is valid and its caller entitled. A token scoped to some
 * communities runs the handler confined to the communities the operation concerns
 * (db/confine.ts), so a wrong declaration still cannot reach another community's rows.
 */
import Router from '@koa/router';
import { HttpError } from '../http/errors';
import { UUID, findNul, nulRefusal } from '../http/edge';
import { AppContext, HttpState } from '../http/server';
import { accountOperations } from './accounts';
import { auditOperations } from './audit-log';
import { Authenticator, bearerToken } from './auth';
import { Access, Principal, codeOf, forbidden, missingRight, needsBody } from './access';
import { actingAs } from '../core/audit';
import { OutOfReach, confined } from '../db/confine';
import { tokenOperations } from './token-operations';
import { nettingOperations } from './netting';
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
    ...tokenOperations(deps),
    ...nettingOperations(deps),
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

/** GOVERNANCE_TOKENS are operators' (the bootstrap); any other token is looked up in the database. */
async function authenticate(ctx: AppContext, auth: Authenticator, deps: GovernanceDeps): Promise<Principal> {
  if (!auth.enabled) throw new HttpError(503, 'governance_disabled', auth.reason);
  const token = bearerToken(ctx.get('authorization') || undefined);
  const actor = token === null ? null : auth.authenticate(token);
  const principal: Principal | null = actor !== null
    ? { actor, role: 'operator', communities: null }
    : token !== null && deps.tokens ? await deps.tokens.authenticate(token) : null;
  if (principal === null) {
    ctx.set('WWW-Authenticate', token === null
      ? 'Bearer realm="intertrade-governance"'
      : 'Bearer realm="intertrade-governance", error="invalid_token"');
    throw new HttpError(401, token === null ? 'unauthorized' : 'invalid_token', token === null
      ? 'this request needs an Authorization: Bearer <token> header with a governance token'
      : 'the bearer token is not one of this hub\'s governance tokens');
  }
  return principal;
}

const PUBLIC: Principal = { actor: '', role: 'operator', communities: null };

/**
 * Ids of the communities a scoped principal's request may reach: those the operation
 * names (its own, the other side it reads), or, for hub-wide and listing operations,
 * the principal's own. Codes that name no community are left out: the handler answers 404.
 */
async function reachOf(deps: GovernanceDeps, p: Principal, access: Access | undefined, params: Record<string, string>, body: unknown): Promise<string[]> {
  const codes = new Set<string>();
  let peers = false;
  if (access && 'community' in access) {
    for (const ref of [access.community, ...(access.or ? [access.or] : []), ...(access.touches ?? [])]) {
      if (ref === 'peers') peers = true;
      else {
        const code = codeOf(ref, params, body);
        if (code !== null) codes.add(code);
      }
    }
  } else {
    for (const code of p.communities ?? []) codes.add(code);
  }
  const ids: string[] = [];
  for (const c of await deps.communities.list()) if (codes.has(c.code) || (peers && c.kind === 'peer')) ids.push(c.id);
  return ids;
}

export function governanceRouter(deps: GovernanceDeps & { auth: Authenticator; plugins?: GovernancePlugins }): Router<HttpState> {
  const router = new Router<HttpState>({ prefix: BASE_PATH });
  for (const op of governanceOperations(deps, deps.plugins)) {
    const koaPath = op.path.replace(/\{(\w+)\}/g, ':$1');
    router[op.method](op.id, koaPath, async (ctx: AppContext) => {
      const principal = op.public ? PUBLIC : await authenticate(ctx, deps.auth, deps);
      const params = validParams(ctx.params as Record<string, string>);
      // Refused before its body is read, unless the right depends on the body: a caller
      // without the right learns nothing of what a valid request would be.
      const check = (body: unknown) => {
        if (op.public) return;
        const missing = missingRight(principal, op.access, params, body);
        if (missing !== null) throw forbidden(principal, missing);
      };
      if (!needsBody(op.access)) check(undefined);
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
      if (needsBody(op.access)) check(body);
      const run = () => actingAs(principal.role, () => op.handle({
        actor: principal.actor,
        principal,
        params,
        body,
        query,
        header: (name) => ctx.get(name) || undefined,
      }));
      let reply;
      try {
        reply = principal.communities === null ? await run() : await confined(await reachOf(deps, principal, op.access, params, body), run);
      } catch (err) {
        if (err instanceof OutOfReach) throw forbidden(principal, 'access to the rows of a community this request does not concern');
        throw err;
      }
      for (const [k, v] of Object.entries(reply.headers ?? {})) ctx.set(k, v);
      ctx.status = reply.status;
      if (reply.body !== undefined) ctx.body = reply.body;
    });
  }
  return router;
}
