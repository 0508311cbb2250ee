/** The hub as a Clearing Central: the exchanges registered with it, listings of hub communities, totals. */
import { Amount, CommunityCode, Timestamp, schema } from '../../../src/governance';

const nid = { type: 'string', pattern: '^cen(?!0000)[0-9]{4}$', description: 'a network id: cen + 4 digits (cen0000 is Clearing Central\'s own)', examples: ['cen0007'] } as const;
const ips = {
  type: 'array', minItems: 1, maxItems: 20, uniqueItems: true,
  items: { type: 'string', pattern: '^[0-9a-fA-F.:]{2,45}(/[0-9]{1,3})?$', description: 'an IPv4 or IPv6 address, or a CIDR block' },
  description: 'addresses the exchange posts txinput.php from',
} as const;
const convRate = { type: 'string', pattern: '^[0-9]{1,10}(\\.[0-9]{1,7})?$', description: 'units of the exchange\'s currency per hour', examples: ['60', '1'] } as const;
const dataUrl = { type: 'string', minLength: 8, maxLength: 255, pattern: '^https?://[^\\s<>"{}|\\\\^`#]+$', description: 'where transactions its members are billed for are forwarded', examples: ['https://ces.example/txrengine.asp'] } as const;
const requestFormat = { type: 'string', enum: ['post', 'get', 'xml'], description: 'how forwards are sent: post (a form) or get (a query string); xml is refused (see the docs)' } as const;
const text = (max: number, description: string) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u001f|]+$', description }) as const;

export interface RegisterBody {
  code: string; name: string; country: string; convRate: string; nid?: string; xid?: string; system?: string;
  dataUrl: string; requestFormat: 'post' | 'get' | 'xml'; ips: string[]; tradeSurplusLimit: string; tradeDeficitLimit: string;
}
export const Register = schema<RegisterBody>('CcsRegister', {
  type: 'object',
  properties: {
    code: { ...CommunityCode.json, description: 'the code of its `ces` mirror community here' },
    name: text(100, 'the exchange\'s short name'),
    country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166 alpha-2' },
    convRate, nid: { ...nid, description: 'its NID; allocated (the lowest free from cen0001) when not given' },
    xid: text(32, 'its own code for itself (niddata.php xid)'), system: text(40, 'the software it runs (CES, IntegralCES, Drupal 7…)'),
    dataUrl, requestFormat, ips,
    tradeSurplusLimit: { ...Amount.json, description: 'most it may earn from other exchanges in all, in HOUR (the import-export account\'s maximum balance)' },
    tradeDeficitLimit: { ...Amount.json, description: 'most it may owe other exchanges in all, in HOUR (the import-export account\'s credit limit)' },
  },
  required: ['code', 'name', 'country', 'convRate', 'dataUrl', 'requestFormat', 'ips', 'tradeSurplusLimit', 'tradeDeficitLimit'],
  additionalProperties: false,
  examples: [{ code: 'CES7', name: 'Cape Talent', country: 'ZA', convRate: '60', dataUrl: 'https://ces.example/txrengine.asp', requestFormat: 'get', ips: ['203.0.113.9'], tradeSurplusLimit: '500', tradeDeficitLimit: '500' }],
});

export interface EditBody {
  name?: string; country?: string; system?: string; xid?: string; dataUrl?: string; requestFormat?: 'post' | 'get' | 'xml'; ips?: string[]; active?: boolean;
  tradeSurplusLimit?: string; tradeDeficitLimit?: string;
}
export const Edit = schema<EditBody>('CcsEdit', {
  type: 'object',
  properties: {
    name: text(100, 'short name'), country: { type: 'string', pattern: '^[A-Z]{2}$' }, system: text(40, 'software'), xid: text(32, 'its own code'),
    dataUrl, requestFormat, ips, active: { type: 'boolean', description: 'false blocks it: its transactions are refused (4), it is left out of the directory' },
    tradeSurplusLimit: Amount.json, tradeDeficitLimit: Amount.json,
  },
  additionalProperties: false, minProperties: 1,
});

export interface ListBody { community: string; nid?: string }
export const List = schema<ListBody>('CcsList', {
  type: 'object',
  properties: { community: { ...CommunityCode.json, description: 'a hosted community whose members CES sellers may bill' }, nid },
  required: ['community'], additionalProperties: false,
});

export const Member = schema<unknown>('CcsMember', {
  type: 'object',
  properties: {
    code: CommunityCode.json, nid, xid: { type: 'string' }, name: { type: 'string' }, country: { type: 'string' }, system: { type: 'string' },
    convRate: { type: 'string' }, served: { type: 'boolean', description: 'true: an exchange served here (forwards to its dataUrl); false: a community of this hub, paid directly' },
    dataUrl: { type: ['string', 'null'] }, requestFormat: { type: ['string', 'null'] }, ips: { type: 'array', items: { type: 'string' } }, active: { type: 'boolean' },
    tradeSurplusLimit: { type: ['string', 'null'] }, tradeDeficitLimit: { type: ['string', 'null'] },
    password: { type: 'string', description: 'shown once, at registration and at a reset' },
    createdAt: Timestamp,
  },
  required: ['code', 'nid', 'name', 'country', 'convRate', 'served', 'active', 'createdAt'],
});
export const MemberList = schema<unknown>('CcsMemberList', { type: 'object', properties: { members: { type: 'array', items: Member.json } }, required: ['members'] });

export const Totals = schema<unknown>('CcsTotals', {
  type: 'object',
  properties: {
    code: CommunityCode.json, nid,
    exports: { type: 'integer', description: 'transactions it sold (as the original counts them)' },
    imports: { type: 'integer', description: 'transactions it bought' },
    income: { type: 'string', description: 'sold, in its currency' }, expenditure: { type: 'string', description: 'bought, in its currency' },
    balance: { type: 'string' }, incomeHours: { type: 'string' }, expenditureHours: { type: 'string' }, balanceHours: { type: 'string' },
    ledger: {
      type: 'object', description: 'what the ledger says: its import-export account',
      properties: { balance: { type: 'string' }, balanceHours: { type: 'string' } }, required: ['balance', 'balanceHours'],
    },
  },
  required: ['code', 'nid', 'exports', 'imports', 'income', 'expenditure', 'balance', 'incomeHours', 'expenditureHours', 'balanceHours', 'ledger'],
});
