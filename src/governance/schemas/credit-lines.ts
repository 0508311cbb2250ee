import { Amount, CommunityCode } from './common';
import { schema } from './schema';

export interface SetCreditLineBody { limit: string }

export const SetCreditLine = schema<SetCreditLineBody>('SetCreditLine', {
  type: 'object',
  properties: {
    limit: { ...Amount.json, description: 'Most of the peer\'s HOUR the community accepts, in its own units; "0" removes the line.' },
  },
  required: ['limit'],
  additionalProperties: false,
  examples: [{ limit: '500' }],
});

export const CreditLine = schema<unknown>('CreditLine', {
  type: 'object',
  properties: {
    community: { ...CommunityCode.json, description: 'the community extending credit' },
    peer: { ...CommunityCode.json, description: 'the community whose HOUR it accepts' },
    limit: Amount.json,
    usage: { ...Amount.json, description: 'what is outstanding on the line now, in the community\'s units' },
  },
  required: ['community', 'peer', 'limit', 'usage'],
});

export const CreditLineList = schema<unknown>('CreditLineList', {
  type: 'object',
  properties: { creditLines: { type: 'array', items: CreditLine.json } },
  required: ['creditLines'],
});

const both = (description: string) => ({
  type: 'object',
  description,
  properties: { hour: { ...Amount.json, description: 'in HOUR' }, units: { ...Amount.json, description: 'in the community\'s units' } },
  required: ['hour', 'units'],
});

export const TradeLimits = schema<unknown>('TradeLimits', {
  type: 'object',
  description: 'Derived from the credit lines both ways and what they carry: A\'s surplus with B is B\'s deficit with A, so both governing bodies see the same figures.',
  properties: {
    community: CommunityCode.json,
    surplus: both('how much more it can sell to all the others (direct lines), within what its trader can pay out'),
    deficit: both('how much more it can buy from all the others (direct lines), within what its trader can take in'),
    pairs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          peer: CommunityCode.json,
          surplus: both('how much more it can sell to the peer: room on the line it grants the peer, plus what the peer holds of its HOUR'),
          deficit: both('how much more it can buy from the peer: room on the line the peer grants it, plus what it holds of the peer\'s HOUR'),
        },
        required: ['peer', 'surplus', 'deficit'],
      },
    },
  },
  required: ['community', 'surplus', 'deficit', 'pairs'],
});
