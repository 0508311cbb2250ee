import { Amount, PositiveAmount, Timestamp } from './common';
import { schema } from './schema';

export interface CreateTransferBody { payer: string; payee: string; amount: string; meta?: string }

const party = {
  type: 'string',
  pattern: '^[A-Z0-9]{4}/[A-Z0-9_-]{1,32}$',
  description: 'COMMUNITY/ACCOUNT, e.g. GRN1/GRN10001',
  examples: ['GRN1/GRN10001'],
};

export const CreateTransfer = schema<CreateTransferBody>('CreateTransfer', {
  type: 'object',
  properties: {
    payer: party,
    payee: party,
    amount: { ...PositiveAmount.json, description: 'what the payee receives, in the payee community\'s units' },
    meta: { type: 'string', maxLength: 500, description: 'free text kept with the transfer' },
  },
  required: ['payer', 'payee', 'amount'],
  additionalProperties: false,
  examples: [{ payer: 'GRN1/GRN10001', payee: 'BLU1/BLU10001', amount: '10' }],
});

export const Transfer = schema<unknown>('Transfer', {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    state: {
      enum: ['new', 'quoted', 'submitted', 'settled', 'delivered', 'rejected', 'failed', 'compensated', 'disputed'],
      description: 'settled: paid on the ledger; delivered: settled and the other side acknowledged it; '
        + 'compensated: the other side refused after settlement and the payer was paid back; '
        + 'disputed: the payee\'s server refused after settlement and holds the money: its return has been asked for (a governing body\'s matter until it comes back); '
        + 'rejected: refused (errorCode says why); new/submitted: the ledger could not be reached yet, the hub retries',
    },
    payer: { type: 'string' },
    payee: { type: 'string' },
    amount: { ...Amount.json, description: 'what the payee receives, payee units' },
    sourceAmount: { anyOf: [Amount.json, { type: 'null' }], description: 'what the payer paid (or would pay), payer units' },
    errorCode: {
      anyOf: [{ type: 'string' }, { type: 'null' }],
      description: 'insufficient_balance, credit_line_full, no_path, payee_full, blocked, price_moved, …',
    },
    errorMessage: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    meta: { type: 'string' },
    createdAt: Timestamp,
    updatedAt: Timestamp,
    protocol: { type: 'string', description: 'what made it: the first part of its idempotency key (governance, cxp, komunitin, cc, demo, …); in lists and single reads' },
    ledgerHash: { anyOf: [{ type: 'string', pattern: '^[0-9a-f]{64}$' }, { type: 'null' }], description: 'hash of its Stellar transaction (null until submitted); in lists and single reads' },
    deliveries: {
      type: 'array',
      description: 'telling the other side (a relay, a notify, in the protocol that reaches it): retried until acknowledged',
      items: {
        type: 'object',
        properties: {
          kind: { type: 'string', description: 'the protocol\'s name for it: <protocol>.<what>' },
          target: { type: 'string' },
          state: { enum: ['pending', 'delivered', 'refused', 'cancelled'], description: 'cancelled: the transfer was rejected, there was nothing to tell' },
          attempts: { type: 'integer', minimum: 0 },
          nextAttemptAt: Timestamp,
          lastError: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        },
        required: ['kind', 'target', 'state', 'attempts', 'nextAttemptAt', 'lastError'],
      },
    },
  },
  required: ['id', 'state', 'payer', 'payee', 'amount', 'sourceAmount', 'errorCode', 'errorMessage', 'meta', 'createdAt', 'updatedAt'],
});

export interface TransferQueryParams { state?: string; protocol?: string; from?: string; to?: string; page?: number; limit?: number }

export const TransferQuery = schema<TransferQueryParams>('TransferQuery', {
  type: 'object',
  properties: {
    state: { type: 'string', pattern: '^[a-z]+(,[a-z]+)*$', description: 'only transfers in these states, comma-separated (e.g. settled,delivered)' },
    protocol: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$', description: 'only transfers this protocol made: governance, cxp, komunitin, cc, demo, compensation, …' },
    from: { ...Timestamp, description: 'made at or after' },
    to: { ...Timestamp, description: 'made before' },
    page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
  additionalProperties: false,
});

export const TransferPage = schema<unknown>('TransferPage', {
  type: 'object',
  properties: {
    transfers: {
      type: 'array',
      description: 'newest first; each with its protocol, its Stellar transaction hash (ledgerHash, null until submitted) and its deliveries',
      items: Transfer.json,
    },
    page: { type: 'integer', minimum: 1 },
    limit: { type: 'integer', minimum: 1 },
    hasMore: { type: 'boolean', description: 'whether page + 1 has more' },
  },
  required: ['transfers', 'page', 'limit', 'hasMore'],
});
