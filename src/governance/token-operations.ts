/**
 * Governance tokens through the API: the hub operator's alone (they declare no right,
 * see access.ts), except GET /me, which tells any token who it is. A token is shown once, when created.
 */
import { HttpError } from '../http/errors';
import { requireCommunity } from './lookup';
import { GovernanceDeps, Operation, operation } from './operation';
import * as S from './schemas/tokens';
import { TokenDetails, TokenStore } from './tokens';

const view = (t: TokenDetails) => ({
  id: t.id, actor: t.actor, role: t.role, communities: t.communities, createdBy: t.createdBy,
  createdAt: t.createdAt.toISOString(), expiresAt: t.expiresAt?.toISOString() ?? null,
});

export function tokenOperations(deps: GovernanceDeps & { tokens?: TokenStore }): Operation[] {
  const store = (): TokenStore => {
    if (!deps.tokens) throw new HttpError(503, 'unavailable', 'this hub keeps no governance tokens in its database');
    return deps.tokens;
  };
  return [
    operation({
      id: 'getMe', method: 'get', path: '/me', tag: 'tokens',
      access: { right: 'read', scope: 'visible' },
      summary: 'Who this token speaks for: its actor, role and communities (what a client may offer)',
      responses: { 200: { description: 'the token\'s principal', schema: S.Me } },
      errors: [401, 503],
      async handle({ principal }) {
        return { status: 200, body: { actor: principal.actor, role: principal.role, communities: principal.communities } };
      },
    }),
    operation({
      id: 'createToken', method: 'post', path: '/tokens', tag: 'tokens',
      summary: 'Create a governance token for an actor, role and communities (the token is shown this once)',
      body: S.CreateToken,
      responses: { 201: { description: 'the token and what it grants', schema: S.NewToken } },
      errors: [400, 401, 403, 404, 503],
      async handle({ body, actor }) {
        const communities = body.communities ?? [];
        if (body.role === 'community' && communities.length === 0) {
          throw new HttpError(400, 'invalid_request', 'a community token needs the communities it governs', 'communities');
        }
        if (body.role === 'operator' && communities.length > 0) {
          throw new HttpError(400, 'invalid_request', 'an operator governs the whole hub: give no communities', 'communities');
        }
        for (const code of communities) await requireCommunity(deps, code, 'communities');
        const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
        if (expiresAt && expiresAt <= new Date()) throw new HttpError(400, 'invalid_request', 'expiresAt is already past', 'expiresAt');
        const { token, details } = await store().create({ actor: body.actor, role: body.role, communities, expiresAt }, actor);
        return { status: 201, body: { token, details: view(details) } };
      },
    }),
    operation({
      id: 'listTokens', method: 'get', path: '/tokens', tag: 'tokens',
      summary: 'Tokens not revoked (never the tokens themselves), by actor',
      responses: { 200: { description: 'the tokens', schema: S.TokenList } },
      errors: [401, 403, 503],
      async handle() {
        return { status: 200, body: { tokens: (await store().list()).map(view) } };
      },
    }),
    operation({
      id: 'revokeTokens', method: 'delete', path: '/tokens/{actor}', tag: 'tokens',
      summary: 'Revoke every token of an actor; they stop working at once',
      responses: { 204: { description: 'revoked' } },
      errors: [401, 403, 404, 503],
      async handle({ params, actor }) {
        const n = await store().revoke(params.actor, actor);
        if (n === 0) throw new HttpError(404, 'unknown_actor', `no token of ${params.actor} to revoke (GOVERNANCE_TOKENS are revoked by removing them and restarting)`, 'actor');
        return { status: 204 };
      },
    }),
  ];
}
