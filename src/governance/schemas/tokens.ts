import { CommunityCode, Timestamp } from './common';
import { schema } from './schema';

export interface CreateTokenBody { actor: string; role: 'operator' | 'community' | 'auditor'; communities?: string[]; expiresAt?: string }

const actor = { type: 'string', pattern: '^[A-Za-z0-9._@-]{1,64}$', description: 'who the token speaks for, as the audit log will name them', examples: ['green-board'] } as const;
const role = { type: 'string', enum: ['operator', 'community', 'auditor'], description: 'operator: everything; community: govern the communities listed; auditor: read only (the communities listed, or the whole hub)' } as const;

export const CreateToken = schema<CreateTokenBody>('CreateToken', {
  type: 'object',
  properties: {
    actor,
    role,
    communities: { type: 'array', items: CommunityCode.json, minItems: 1, maxItems: 100, uniqueItems: true, description: 'required for community, optional for auditor, refused for operator' },
    expiresAt: { ...Timestamp, description: 'when the token stops working (none: until revoked)' },
  },
  required: ['actor', 'role'],
  additionalProperties: false,
});

export const Token = schema<unknown>('Token', {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'the token\'s public prefix (not secret)' },
    actor: { type: 'string' },
    role,
    communities: { type: 'array', items: CommunityCode.json, description: 'empty: the whole hub' },
    createdBy: { type: 'string' },
    createdAt: Timestamp,
    expiresAt: { oneOf: [Timestamp, { type: 'null' }] },
  },
  required: ['id', 'actor', 'role', 'communities', 'createdBy', 'createdAt', 'expiresAt'],
});

export const NewToken = schema<unknown>('NewToken', {
  type: 'object',
  properties: {
    token: { type: 'string', description: 'the bearer token, shown this once: the hub keeps only a keyed hash of it' },
    details: Token.json,
  },
  required: ['token', 'details'],
});

export const TokenList = schema<unknown>('TokenList', {
  type: 'object',
  properties: { tokens: { type: 'array', items: Token.json } },
  required: ['tokens'],
});

export const Me = schema<unknown>('Me', {
  type: 'object',
  properties: {
    actor: { type: 'string' },
    role,
    communities: { anyOf: [{ type: 'array', items: CommunityCode.json }, { type: 'null' }], description: 'the communities governed (community) or read (auditor); null: the whole hub' },
  },
  required: ['actor', 'role', 'communities'],
});
