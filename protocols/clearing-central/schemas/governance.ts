/** Clearing Central: a community's connection, the CES exchanges admitted, pending admissions. */
import { Amount, CommunityCode, PositiveAmount, Timestamp, schema } from '../../../src/governance';

const nid = { type: 'string', pattern: '^cen[0-9]{4}$', description: 'a Clearing Central network id: cen + 4 digits', examples: ['cen0042'] } as const;
const ips = {
  type: 'array', minItems: 1, maxItems: 20, uniqueItems: true,
  items: { type: 'string', pattern: '^[0-9a-fA-F.:]{2,45}(/[0-9]{1,3})?$', description: 'an IPv4 or IPv6 address, or a CIDR block' },
  description: 'addresses Clearing Central forwards bills from',
} as const;
const convRate = {
  type: 'string', pattern: '^[0-9]{1,10}(\\.[0-9]{1,7})?$',
  description: 'units of the exchange\'s currency per hour, as registered at Clearing Central; the community\'s rate is 1/convRate',
  examples: ['60', '10', '2.5'],
} as const;

export interface ConnectBody {
  community: string;
  baseUrl: string;
  nid: string;
  password: string;
  ips: string[];
  acceptBills?: boolean;
}

export const Connect = schema<ConnectBody>('CcConnect', {
  type: 'object',
  properties: {
    community: { ...CommunityCode.json, description: 'the hosted community registered at Clearing Central' },
    baseUrl: { type: 'string', minLength: 8, maxLength: 255, pattern: '^https?://[^\\s<>"{}|\\\\^`?#]+$', description: 'Clearing Central\'s base URL: the hub posts <baseUrl>/txinput.php', examples: ['https://clearingcentral.net'] },
    nid: { ...nid, description: 'the NID Clearing Central gave this community' },
    password: { type: 'string', minLength: 1, maxLength: 255, description: 'the community\'s password at Clearing Central (sealed in the vault, never shown)' },
    ips,
    acceptBills: { type: 'boolean', description: 'pay bills forwarded by Clearing Central at once (default, as CES members expect) or refuse them (4)' },
  },
  required: ['community', 'baseUrl', 'nid', 'password', 'ips'],
  additionalProperties: false,
  examples: [{ community: 'GRN1', baseUrl: 'https://clearingcentral.net', nid: 'cen0123', password: 'secret-at-cc', ips: ['203.0.113.7', '2001:db8::/48'] }],
});

export interface SetAcceptBillsBody { acceptBills: boolean }
export const SetAcceptBills = schema<SetAcceptBillsBody>('CcSetAcceptBills', {
  type: 'object', properties: { acceptBills: { type: 'boolean' } }, required: ['acceptBills'], additionalProperties: false,
});

export const Connection = schema<unknown>('CcConnection', {
  type: 'object',
  properties: {
    community: CommunityCode.json,
    nid,
    baseUrl: { type: 'string' },
    ips: { type: 'array', items: { type: 'string' } },
    acceptBills: { type: 'boolean' },
    dataUrl: { type: 'string', description: 'register this as the community\'s data_url at Clearing Central; its last segment is a secret' },
    requestFormat: { const: 'post', description: 'register request_format post (get works too)' },
    responseFormat: { const: 'post', description: 'register response_format post (other formats get empty answers)' },
    createdAt: Timestamp,
  },
  required: ['community', 'nid', 'baseUrl', 'ips', 'acceptBills', 'dataUrl', 'requestFormat', 'responseFormat', 'createdAt'],
});

export const ConnectionList = schema<unknown>('CcConnectionList', {
  type: 'object', properties: { connections: { type: 'array', items: Connection.json } }, required: ['connections'],
});

export interface AdmitBody {
  code: string;
  nid: string;
  name: string;
  country: string;
  convRate: string;
  creditLimit: string;
  maxBalance: string;
}

export const Admit = schema<AdmitBody>('CcAdmitExchange', {
  type: 'object',
  properties: {
    code: CommunityCode.json,
    nid,
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
    country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166 alpha-2' },
    convRate,
    creditLimit: { ...Amount.json, description: 'in HOUR: how far below zero the exchange\'s import-export account may go' },
    maxBalance: { ...Amount.json, description: 'in HOUR: the most it may hold' },
  },
  required: ['code', 'nid', 'name', 'country', 'convRate', 'creditLimit', 'maxBalance'],
  additionalProperties: false,
  examples: [{ code: 'CES1', nid: 'cen0042', name: 'Cape Town Talent Exchange', country: 'ZA', convRate: '10', creditLimit: '100', maxBalance: '100' }],
});

export const CesExchange = schema<unknown>('CcExchange', {
  type: 'object',
  properties: {
    code: CommunityCode.json,
    nid,
    name: { type: 'string' },
    country: { type: 'string' },
    convRate: { type: 'string' },
    rate: { type: 'object', properties: { n: { type: 'integer' }, d: { type: 'integer' } } },
    status: { enum: ['active', 'blocked'] },
    creditLimit: { type: 'string', description: 'HOUR' },
    maxBalance: { type: 'string', description: 'HOUR' },
    firstTradeAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: Timestamp,
  },
  required: ['code', 'nid', 'name', 'country', 'convRate', 'rate', 'status', 'creditLimit', 'maxBalance', 'createdAt'],
});

export const CesExchangeList = schema<unknown>('CcExchangeList', {
  type: 'object', properties: { exchanges: { type: 'array', items: CesExchange.json } }, required: ['exchanges'],
});

export const PendingList = schema<unknown>('CcPendingAdmissionList', {
  type: 'object',
  properties: {
    pending: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          community: CommunityCode.json, nid, name: { type: 'string' }, country: { type: 'string' },
          requests: { type: 'integer', description: 'bills refused so far' }, firstSeenAt: Timestamp, lastSeenAt: Timestamp,
        },
        required: ['community', 'nid', 'name', 'country', 'requests', 'firstSeenAt', 'lastSeenAt'],
      },
    },
  },
  required: ['pending'],
});

export interface SendBillBody {
  seller: string;
  buyerNid: string;
  buyerId: string;
  amount: string;
  description: string;
}

export const SendBill = schema<SendBillBody>('CcSendBill', {
  type: 'object',
  properties: {
    seller: { type: 'string', pattern: '^[A-Z0-9]{4}/[A-Z0-9_-]{1,32}$', description: 'COMMUNITY/ACCOUNT of the member billing; the community must be connected to Clearing Central', examples: ['GRN1/GRN10001'] },
    buyerNid: { ...nid, description: 'the CES exchange of the member billed (admitted here)' },
    buyerId: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[\\x21-\\x7e]+( [\\x21-\\x7e]+)*$', description: 'the member billed, as their exchange knows them (account id or e-mail)' },
    amount: { ...PositiveAmount.json, description: 'in the seller\'s units; the CES member is debited the same value in theirs' },
    description: { type: 'string', minLength: 1, maxLength: 255 },
  },
  required: ['seller', 'buyerNid', 'buyerId', 'amount', 'description'],
  additionalProperties: false,
  examples: [{ seller: 'GRN1/GRN10001', buyerNid: 'cen0042', buyerId: 'ZA420001', amount: '2', description: 'two hours of gardening' }],
});

export const Bill = schema<unknown>('CcBill', {
  type: 'object',
  properties: {
    txid: { type: 'string', format: 'uuid' },
    seller: { type: 'string' },
    buyerNid: nid,
    buyerId: { type: 'string' },
    amount: { type: 'string', description: 'seller units' },
    description: { type: 'string' },
    state: {
      enum: ['sending', 'accepted', 'paid', 'refused', 'unknown'],
      description: 'paid: the seller received it; refused: Clearing Central or the CES exchange said no (code); unknown: no definite answer from Clearing Central — neither paid nor failed until resolved; accepted: Clearing Central said yes, the payment here is still to settle',
    },
    code: { type: ['integer', 'null'], description: 'Clearing Central\'s response code' },
    message: { type: 'string' },
    transferId: { type: ['string', 'null'] },
    attempts: { type: 'integer' },
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  required: ['txid', 'seller', 'buyerNid', 'buyerId', 'amount', 'description', 'state', 'code', 'message', 'transferId', 'attempts', 'createdAt', 'updatedAt'],
});

export const BillList = schema<unknown>('CcBillList', {
  type: 'object', properties: { bills: { type: 'array', items: Bill.json } }, required: ['bills'],
});

export interface BillQueryParams { state?: 'sending' | 'accepted' | 'paid' | 'refused' | 'unknown' }
export const BillQuery = schema<BillQueryParams>('CcBillQuery', {
  type: 'object',
  properties: { state: { enum: ['sending', 'accepted', 'paid', 'refused', 'unknown'], description: 'only bills in this state (unknown: what reconciliation must resolve)' } },
  additionalProperties: false,
});

export interface ResolveBody { outcome?: 'paid' | 'failed' }
export const Resolve = schema<ResolveBody>('CcResolveBill', {
  type: 'object',
  properties: {
    outcome: {
      enum: ['paid', 'failed'],
      description: 'omit to ask Clearing Central again (the same txid, a repeat); give it once Clearing Central or the CES exchange told you what became of the bill',
    },
  },
  additionalProperties: false,
});
