import { Timestamp } from './common';
import { schema } from './schema';

export interface AuditQueryParams { subject?: string; limit?: number }

export const AuditQuery = schema<AuditQueryParams>('AuditQuery', {
  type: 'object',
  properties: {
    subject: { type: 'string', maxLength: 200, description: 'only entries about this subject, e.g. community:GRN1, account:GRN1/GRN10001, credit-line:GRN1→BLU1' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'newest entries first' },
  },
  additionalProperties: false,
});

export const AuditEntry = schema<unknown>('AuditEntry', {
  type: 'object',
  properties: {
    id: { type: 'string' },
    at: Timestamp,
    actor: { type: 'string', description: 'who made the change (the token\'s actor name, or "system")' },
    role: { type: ['string', 'null'], enum: ['operator', 'community', 'auditor', null], description: 'the role the actor acted in (null: the hub itself, or before roles)' },
    communities: { type: 'array', items: { type: 'string' }, description: 'codes of the communities the entry is about' },
    action: { type: 'string', examples: ['community.create', 'community.rate', 'credit-line.set', 'account.limits'] },
    subject: { type: 'string' },
    before: { description: 'state before the change (null when created); amounts as decimal strings' },
    after: { description: 'state after the change (null when removed)' },
  },
  required: ['id', 'at', 'actor', 'role', 'communities', 'action', 'subject', 'before', 'after'],
});

export const AuditList = schema<unknown>('AuditList', {
  type: 'object',
  properties: { entries: { type: 'array', items: AuditEntry.json } },
  required: ['entries'],
});
