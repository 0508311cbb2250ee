import { schema } from './schema';

export interface ReconcileBody { repair?: boolean }

export const ReconcileRequest = schema<ReconcileBody>('ReconcileRequest', {
  type: 'object',
  properties: {
    repair: { type: 'boolean', default: false, description: 'repair what is safe to repair (offers, limits set here, unmade accounts, unfinished transfers)' },
  },
  additionalProperties: false,
});

export const Drift = schema<unknown>('Drift', {
  type: 'object',
  properties: {
    kind: {
      type: 'string',
      enum: ['account_missing', 'account_limit', 'account_unauthorized', 'credit_line_limit', 'credit_line_unknown',
        'trader_offers', 'transfer_unfinished', 'transfer_not_on_ledger', 'rate_change_due'],
    },
    community: { type: 'string' },
    subject: { type: 'string' },
    detail: { type: 'string' },
    repaired: { type: 'boolean' },
  },
  required: ['kind', 'community', 'subject', 'detail', 'repaired'],
});

export const DriftReport = schema<unknown>('DriftReport', {
  type: 'object',
  properties: { drift: { type: 'array', items: Drift.json } },
  required: ['drift'],
});
