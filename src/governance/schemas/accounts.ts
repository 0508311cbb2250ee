import { AccountCode, Amount, CommunityCode, Timestamp } from './common';
import { schema } from './schema';

export interface CreateAccountBody { code?: string; creditLimit?: string; maxBalance?: string }

export const CreateAccount = schema<CreateAccountBody>('CreateAccount', {
  type: 'object',
  properties: {
    code: AccountCode.json,
    creditLimit: { ...Amount.json, description: 'how far the member may go below zero; default: the community\'s defaultCreditLimit' },
    maxBalance: { ...Amount.json, description: 'most the member may hold; default: the community\'s defaultMaxBalance' },
  },
  additionalProperties: false,
  examples: [{ creditLimit: '100', maxBalance: '1000' }],
});

export interface SetLimitsBody { creditLimit?: string; maxBalance?: string }

export const SetLimits = schema<SetLimitsBody>('SetLimits', {
  type: 'object',
  properties: { creditLimit: Amount.json, maxBalance: Amount.json },
  minProperties: 1,
  additionalProperties: false,
});

export const Account = schema<unknown>('Account', {
  type: 'object',
  properties: {
    community: CommunityCode.json,
    code: AccountCode.json,
    kind: { enum: ['member', 'import_export'] },
    status: { enum: ['active', 'blocked'] },
    publicKey: { type: 'string' },
    creditLimit: Amount.json,
    maxBalance: Amount.json,
    balance: {
      type: 'string',
      description: 'Balance as users see it (negative = in debt); single-account reads only.',
    },
    ledgerStatus: { enum: ['provisioning', 'ready'] },
    createdAt: Timestamp,
  },
  required: ['community', 'code', 'kind', 'status', 'publicKey', 'creditLimit', 'maxBalance', 'ledgerStatus', 'createdAt'],
});

export const AccountList = schema<unknown>('AccountList', {
  type: 'object',
  properties: { accounts: { type: 'array', items: Account.json } },
  required: ['accounts'],
});
