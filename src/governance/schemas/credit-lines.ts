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
