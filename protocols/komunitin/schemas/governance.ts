/** Governance of the Komunitin protocol: peers, external payments, payment requests, policy. */
import { AccountCode, CommunityCode, PositiveAmount, Timestamp, schema } from '../../../src/governance';

const uri = { type: 'string', minLength: 8, maxLength: 2000, pattern: '^https?://' };

export interface RegisterPeerBody { url: string }
export const RegisterKomunitinPeer = schema<RegisterPeerBody>('RegisterKomunitinPeer', {
  type: 'object',
  properties: { url: { ...uri, description: 'the peer currency\'s URL (https://server/CODE/currency) or any of its account URLs' } },
  required: ['url'],
  additionalProperties: false,
  examples: [{ url: 'https://komunitin.example/NET1/currency' }],
});

export const KomunitinPeer = schema<unknown>('KomunitinPeer', {
  type: 'object',
  properties: {
    code: { ...CommunityCode.json, description: 'the code the peer community goes by in this hub (for credit lines)' },
    assetCode: { type: 'string', description: 'the peer\'s own currency code' },
    url: { type: 'string' },
    scale: { type: 'integer' },
    rate: { type: 'object', properties: { n: { type: 'integer' }, d: { type: 'integer' } } },
  },
  required: ['code', 'assetCode', 'url', 'scale', 'rate'],
});

export interface KomunitinTransferBody { account: string; to: string; amount: string; description?: string; id?: string }
export const CreateKomunitinTransfer = schema<KomunitinTransferBody>('CreateKomunitinTransfer', {
  type: 'object',
  properties: {
    account: { ...AccountCode.json, description: 'the member of this community who pays (payment) or is paid (request)' },
    to: { ...uri, description: 'the peer\'s account URI (https://server/CODE/accounts/ID) or a pay link (https://komunitin.org/pay?t=…)' },
    amount: { ...PositiveAmount.json, description: 'in this community\'s units: what the member pays, or asks for' },
    description: { type: 'string', maxLength: 500 },
    id: { type: 'string', format: 'uuid', description: 'the transfer id both servers use; repeating it repeats nothing' },
  },
  required: ['account', 'to', 'amount'],
  additionalProperties: false,
  examples: [{ account: 'GRN10001', to: 'https://komunitin.example/NET1/accounts/5f8b…', amount: '10', description: 'bread' }],
});

export const KomunitinTransfer = schema<unknown>('KomunitinTransfer', {
  type: 'object',
  properties: {
    id: { type: 'string' },
    direction: { enum: ['incoming', 'outgoing'], description: 'incoming: the peer\'s member pays ours; outgoing: ours pays the peer\'s' },
    kind: { enum: ['payment', 'request'] },
    state: { enum: ['new', 'pending', 'submitted', 'committed', 'rejected', 'failed'] },
    account: { type: 'string' },
    remote: { type: 'string', description: 'the peer account\'s URL' },
    transfer: { anyOf: [{ type: 'string', format: 'uuid' }, { type: 'null' }], description: 'the hub transfer that moved the money (GET /communities/{code}/transfers/{id})' },
    amount: { type: 'string', description: 'this community\'s units' },
    description: { type: 'string' },
    hash: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    error: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    createdAt: Timestamp,
  },
  required: ['id', 'direction', 'kind', 'state', 'amount'],
});

export const KomunitinTransferList = schema<unknown>('KomunitinTransferList', {
  type: 'object',
  properties: { transfers: { type: 'array', items: KomunitinTransfer.json } },
  required: ['transfers'],
});

export interface RequestQuery { state?: 'new' | 'pending' | 'committed' | 'rejected' | 'failed' }
export const KomunitinRequestQuery = schema<RequestQuery>('KomunitinRequestQuery', {
  type: 'object',
  properties: { state: { enum: ['new', 'pending', 'committed', 'rejected', 'failed'] } },
  additionalProperties: false,
});

export interface PolicyBody { acceptRequests: 'manual' | 'auto' | 'whitelist'; whitelist?: string[] }
export const KomunitinPolicy = schema<PolicyBody>('KomunitinPolicy', {
  type: 'object',
  properties: {
    acceptRequests: {
      enum: ['manual', 'auto', 'whitelist'],
      description: 'manual: payment requests from peers wait for the member or an admin; auto: paid at once; whitelist: paid at once when from a listed account or currency',
    },
    whitelist: { type: 'array', items: uri, maxItems: 1000, description: 'peer account URLs or currency URLs' },
  },
  required: ['acceptRequests'],
  additionalProperties: false,
});
