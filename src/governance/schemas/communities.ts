import { Amount, CommunityCode, Rate, RateBody, Timestamp } from './common';
import { Schema, schema } from './schema';

export interface CreateCommunityBody {
  code: string;
  name: string;
  /** hosted, or a mirror kind one of the hub's protocols declares. */
  kind: string;
  rate?: RateBody;
  settings?: Partial<Record<'traderMaxBalance' | 'traderCredit' | 'creditBalance' | 'defaultCreditLimit' | 'defaultMaxBalance', string>>;
  importExport?: { creditLimit: string; maxBalance: string };
}

const settingsProperties = {
  traderMaxBalance: { ...Amount.json, description: 'most local currency the external trader may hold: the bound on the community\'s trade deficit' },
  traderCredit: { ...Amount.json, description: 'local currency the trader starts with, to pay incoming payments out' },
  creditBalance: { ...Amount.json, description: 'local currency the credit account starts with, to give members their credit' },
  defaultCreditLimit: { ...Amount.json, description: 'credit limit of new members' },
  defaultMaxBalance: { ...Amount.json, description: 'maximum balance of new members' },
};

const creation = new Map<string, Schema<CreateCommunityBody>>();

/**
 * The kinds a community may be created as: hosted, or a mirror kind the hub's protocols
 * serve. One object per set of kinds: the OpenAPI document finds named schemas by identity.
 */
export function createCommunitySchema(mirrorKinds: readonly string[]): Schema<CreateCommunityBody> {
  const key = mirrorKinds.join(',');
  let s = creation.get(key);
  if (!s) creation.set(key, (s = buildCreateCommunity(mirrorKinds)));
  return s;
}

const buildCreateCommunity = (mirrorKinds: readonly string[]) => schema<CreateCommunityBody>('CreateCommunity', {
  type: 'object',
  properties: {
    code: CommunityCode.json,
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S', description: 'A name of 1 to 100 characters, not blank.' },
    kind: {
      enum: ['hosted', ...mirrorKinds],
      description: `hosted: members on this hub${mirrorKinds.length ? `; ${mirrorKinds.join(' / ')}: a mirror of an exchange reached through the protocol of that name` : ''}`,
    },
    rate: Rate.json,
    settings: {
      type: 'object',
      description: 'Amounts in the community\'s units; each defaults to a value in HOUR (docs/governance.md) converted at the rate.',
      properties: settingsProperties,
      additionalProperties: false,
    },
    importExport: {
      type: 'object',
      description: `${mirrorKinds.join(' and ') || 'mirror kinds'} only: the exchange's limits for all its members (min = −creditLimit, max = maxBalance).`,
      properties: { creditLimit: Amount.json, maxBalance: Amount.json },
      required: ['creditLimit', 'maxBalance'],
      additionalProperties: false,
    },
  },
  required: ['code', 'name', 'kind'],
  additionalProperties: false,
  examples: [{ code: 'GRN1', name: 'Green Valley Time Bank', kind: 'hosted', rate: { n: 1, d: 1 } }],
});

export interface SetStatusBody { status: 'active' | 'blocked' }

export const SetStatus = schema<SetStatusBody>('SetStatus', {
  type: 'object',
  properties: { status: { enum: ['active', 'blocked'], description: 'blocked: every transfer to or from the community is refused' } },
  required: ['status'],
  additionalProperties: false,
});

const publicKey = { type: 'string', pattern: '^G[A-Z2-7]{55}$' };

export const Community = schema<unknown>('Community', {
  type: 'object',
  properties: {
    code: CommunityCode.json,
    name: { type: 'string' },
    kind: { type: 'string', description: 'hosted, peer (a currency another server keeps), or a mirror kind the hub\'s protocols serve' },
    status: { enum: ['active', 'blocked'] },
    rate: Rate.json,
    ledgerStatus: { enum: ['provisioning', 'ready'], description: 'ready once the currency exists on the ledger' },
    settings: { type: 'object', properties: settingsProperties },
    ledgerAccounts: {
      type: 'object',
      description: 'Public keys of the currency\'s Stellar accounts.',
      properties: { issuer: publicKey, credit: publicKey, admin: publicKey, externalIssuer: publicKey, externalTrader: publicKey },
    },
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  required: ['code', 'name', 'kind', 'status', 'rate', 'ledgerStatus', 'settings', 'ledgerAccounts', 'createdAt', 'updatedAt'],
});

export const CommunityList = schema<unknown>('CommunityList', {
  type: 'object',
  properties: { communities: { type: 'array', items: Community.json } },
  required: ['communities'],
});
