import { schema } from './common';

export interface PrepareQuery {
  volume: number;
  integrity: boolean;
  balance: number;
}

/** GET /cxp/transactions?volume=…&integrity=1&balance=… (query strings, coerced). */
export const Prepare = schema<PrepareQuery>('Prepare', {
  type: 'object',
  description: 'The prepare form, sent as query parameters of GET /cxp/transactions.',
  properties: {
    volume: { type: 'number', minimum: 0, maximum: 922337203685, description: 'the exchange\'s intertrading volume in the last 365 days, base units' },
    integrity: { type: 'boolean', description: 'whether the exchange\'s own balances add up to zero; must be true (1)' },
    balance: {
      type: 'number', minimum: -922337203685, maximum: 922337203685,
      description: 'balance of the exchange\'s own import-export account, base units: the negative of the balance the hub reports',
    },
  },
  required: ['volume', 'integrity', 'balance'],
  additionalProperties: false,
  examples: [{ volume: 250, integrity: true, balance: 12.5 }],
});

export const PrepareReply = schema<unknown>('PrepareReply', {
  type: 'object',
  properties: {
    spend_limit: { type: 'number', minimum: 0, description: 'largest transaction the exchange\'s members can pay out now, base units' },
    earn_limit: { type: 'number', minimum: 0, description: 'largest transaction the exchange\'s members can receive now, base units' },
  },
  required: ['spend_limit', 'earn_limit'],
});

export const ClientList = schema<unknown>('ClientList', {
  type: 'object',
  description: 'Every other trading exchange: its site address → its title.',
  additionalProperties: { type: 'string' },
});
