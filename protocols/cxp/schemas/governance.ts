/** CXP exchanges: approval, keys, ticks, legacy mode, and how the governing body sees them. */
import { Amount, CommunityCode, PositiveAmount, Timestamp, schema } from '../../../src/governance';

const uri = {
  type: 'string', minLength: 8, maxLength: 255, pattern: '^https?://[^\\s<>"{}|\\\\^`]+$',
  description: 'the exchange\'s root URL: the hub relays with PUT <uri>/transactions (legacy: POST <uri>intertrade); src_url and dest_url name the exchange by it, scheme and case aside',
  examples: ['https://lets.example/town'],
} as const;

const ticks = { ...PositiveAmount.json, description: 'how many units of the exchange\'s currency make one HOUR (60: one unit is a minute); the rate is 1/ticks' };
const ips = {
  type: 'array', minItems: 1, maxItems: 20, uniqueItems: true,
  items: { type: 'string', pattern: '^[0-9a-fA-F.:]{2,45}$', description: 'an IPv4 or IPv6 address' },
  description: 'addresses legacy posts may come from',
} as const;

export interface ApproveExchangeBody {
  code: string;
  name: string;
  uri: string;
  ticks?: string;
  creditLimit: string;
  maxBalance: string;
  ratioPercent?: number;
  legacy?: { ips: string[] };
}

export const ApproveExchange = schema<ApproveExchangeBody>('ApproveExchange', {
  type: 'object',
  properties: {
    code: CommunityCode.json,
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S', description: 'the exchange\'s title, shown to the other exchanges' },
    uri,
    ticks,
    creditLimit: { ...Amount.json, description: 'in HOUR: how far below zero the exchange may go (its min is −creditLimit)' },
    maxBalance: { ...Amount.json, description: 'in HOUR: the most the exchange may hold (its max)' },
    ratioPercent: { type: 'integer', minimum: 0, maximum: 100000, description: 'largest |balance| / last year\'s volume, in percent (code 14 beyond); 0 = no limit' },
    legacy: {
      type: 'object', properties: { ips }, required: ['ips'], additionalProperties: false,
      description: 'opt in to legacy mode (the deployed Drupal client: body key + IP allowlist, no HMAC — weaker)',
    },
  },
  required: ['code', 'name', 'uri', 'creditLimit', 'maxBalance'],
  additionalProperties: false,
  examples: [{ code: 'LET1', name: 'Town LETS', uri: 'https://lets.example/town', ticks: '60', creditLimit: '500', maxBalance: '500', ratioPercent: 50 }],
});

export interface SetTicksBody { ticks: string }
export const SetTicks = schema<SetTicksBody>('SetTicks', {
  type: 'object', properties: { ticks }, required: ['ticks'], additionalProperties: false,
});

export interface SetLegacyBody { enabled: boolean; ips?: string[] }
export const SetLegacy = schema<SetLegacyBody>('SetLegacy', {
  type: 'object',
  properties: { enabled: { type: 'boolean' }, ips },
  required: ['enabled'],
  additionalProperties: false,
  description: 'enabling issues a new legacy key (shown once)',
});

const hawk = {
  type: 'object',
  description: 'Hawk credentials, shown once: the hub keeps the key sealed and never shows it again',
  properties: { id: { type: 'string' }, key: { type: 'string' }, algorithm: { const: 'sha256' } },
  required: ['id', 'key', 'algorithm'],
} as const;

export const Exchange = schema<unknown>('Exchange', {
  type: 'object',
  properties: {
    code: CommunityCode.json,
    name: { type: 'string' },
    uri: { type: 'string' },
    site: { type: 'string', description: 'how src_url / dest_url name it' },
    status: { enum: ['active', 'blocked'] },
    hawkId: { type: 'string' },
    ticks: { type: 'string' },
    ticksLocked: { type: 'boolean', description: 'true after the first trade: a handshake no longer changes them' },
    rate: { type: 'object', properties: { n: { type: 'integer' }, d: { type: 'integer' } } },
    creditLimit: { type: 'string', description: 'HOUR' },
    maxBalance: { type: 'string', description: 'HOUR' },
    ratioPercent: { type: 'integer' },
    volume: { type: ['string', 'null'], description: 'last declared 365-day volume, HOUR' },
    authentication: { enum: ['hawk', 'legacy'], description: 'legacy = body key + IP allowlist, no HMAC: weaker' },
    legacyIps: { type: 'array', items: { type: 'string' } },
    declared: { type: 'object', description: 'what the exchange said at its last handshake' },
    handshakeAt: { type: ['string', 'null'], format: 'date-time' },
    firstTradeAt: { type: ['string', 'null'], format: 'date-time' },
    balanceMismatches: { type: 'integer', description: 'prepare forms whose balance did not match the hub' },
    createdAt: Timestamp,
  },
  required: ['code', 'name', 'uri', 'site', 'status', 'hawkId', 'ticks', 'ticksLocked', 'rate', 'creditLimit', 'maxBalance', 'ratioPercent', 'authentication', 'createdAt'],
});

export const ExchangeList = schema<unknown>('ExchangeList', {
  type: 'object', properties: { exchanges: { type: 'array', items: Exchange.json } }, required: ['exchanges'],
});

export const ExchangeCredentials = schema<unknown>('ExchangeCredentials', {
  type: 'object',
  properties: {
    exchange: Exchange.json,
    hawk,
    legacyKey: { type: 'string', description: 'legacy mode only: the key legacy posts carry, shown once' },
  },
  required: ['exchange'],
});

export const BalanceMismatch = schema<unknown>('BalanceMismatch', {
  type: 'object',
  properties: {
    declared: { type: 'string', description: 'HOUR, as the exchange declared its own import-export balance' },
    hub: { type: 'string', description: 'HOUR, the hub\'s balance of the exchange (the declared one should be its negative)' },
    volume: { type: ['string', 'null'] },
    at: Timestamp,
  },
  required: ['declared', 'hub', 'at'],
});

export const BalanceMismatchList = schema<unknown>('BalanceMismatchList', {
  type: 'object', properties: { mismatches: { type: 'array', items: BalanceMismatch.json } }, required: ['mismatches'],
});
