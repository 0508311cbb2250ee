import { Amount, CommunityCode } from './common';
import { schema } from './schema';

export interface SetNettingBody { optedIn: boolean; cap?: string | null }

export const SetNetting = schema<SetNettingBody>('SetNetting', {
  type: 'object',
  properties: {
    optedIn: { type: 'boolean', description: 'whether the community\'s positions may be cleared by netting (off until its governing body says yes)' },
    cap: { anyOf: [Amount.json, { type: 'null' }], description: 'most one run may clear through the community, in its own units; null or absent: no cap' },
  },
  required: ['optedIn'],
  additionalProperties: false,
  examples: [{ optedIn: true, cap: '500' }],
});

export const Netting = schema<unknown>('Netting', {
  type: 'object',
  properties: {
    community: CommunityCode.json,
    optedIn: { type: 'boolean' },
    cap: { anyOf: [Amount.json, { type: 'null' }] },
  },
  required: ['community', 'optedIn', 'cap'],
});

const hour = (description: string) => ({ ...Amount.json, description: `${description}, HOUR` });

export const NettingPreview = schema<unknown>('NettingPreview', {
  type: 'object',
  properties: {
    at: { type: 'string', format: 'date-time' },
    communities: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          community: CommunityCode.json,
          claimsBefore: hour('what the others owe it (its trader holds of their HOUR)'),
          claimsAfter: hour('the same once the clearing is done'),
          debtsBefore: hour('what it owes the others (they hold of its HOUR)'),
          debtsAfter: hour('the same once the clearing is done'),
          roomFreed: { ...Amount.json, description: 'room freed on the credit lines it grants, in its own units' },
        },
        required: ['community', 'claimsBefore', 'claimsAfter', 'debtsBefore', 'debtsAfter', 'roomFreed'],
      },
    },
    positions: {
      type: 'array',
      description: 'every position between two communities taking part: creditor holds amount of debtor\'s HOUR',
      items: {
        type: 'object',
        properties: { debtor: CommunityCode.json, creditor: CommunityCode.json, amount: hour('held'), cleared: hour('cleared by this run') },
        required: ['debtor', 'creditor', 'amount', 'cleared'],
      },
    },
    leftOut: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          community: CommunityCode.json,
          reason: { type: 'string', enum: ['not_opted_in', 'keys_elsewhere', 'not_on_ledger'] },
          detail: { type: 'string' },
        },
        required: ['community', 'reason', 'detail'],
      },
    },
    totals: {
      type: 'object',
      description: 'hub-wide; shown to hub operators and hub-wide auditors',
      properties: { gross: hour('Σ positions between communities taking part'), cleared: hour('Σ cleared'), share: { type: 'number', description: 'cleared / gross' } },
      required: ['gross', 'cleared', 'share'],
    },
  },
  required: ['at', 'communities', 'positions', 'leftOut'],
});

export const NettingRun = schema<unknown>('NettingRun', {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    actor: { type: 'string' },
    state: { type: 'string', enum: ['running', 'done', 'failed'], description: 'done: every transaction applied; failed: stopped at one the ledger refused (nothing of it moved) or interrupted' },
    gross: hour('positions between the communities taking part when the run began'),
    cleared: hour('cleared on the ledger'),
    transactions: { type: 'array', items: { type: 'string' }, description: 'hashes of the transactions sent' },
    error: { type: ['string', 'null'] },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'actor', 'state', 'gross', 'cleared', 'transactions', 'error', 'startedAt', 'finishedAt'],
});

export const NettingRunList = schema<unknown>('NettingRunList', {
  type: 'object',
  properties: { runs: { type: 'array', items: NettingRun.json } },
  required: ['runs'],
});
