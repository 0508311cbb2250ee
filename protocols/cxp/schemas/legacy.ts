/**
 * The deployed Drupal 7 `intertrading` client's messages (form posts: every value is
 * text, coerced). Every post carries `src_url` and `key`; authentication is checked
 * before the rest of the message.
 */
import { schema, siteUrl, text } from './common';

const key = { type: 'string', minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_+/=-]+$', description: 'the exchange\'s shared legacy key' } as const;
const auth = { src_url: siteUrl('the calling exchange\'s site address'), key };

export interface LegacyHandshakeBody {
  src_url: string; key: string; mail: string; api?: number; ticks: number; first_trade?: number; traders?: number; transactions?: number;
  uri?: string; divisions?: string; visibility?: boolean; logo?: string; lat?: number; lon?: number; new_key?: string; name?: string;
}

export const LegacyHandshake = schema<LegacyHandshakeBody>('LegacyHandshake', {
  type: 'object',
  properties: {
    ...auth,
    mail: { type: 'string', minLength: 3, maxLength: 63, pattern: '^[^\\s@]+@[^\\s@]+$' },
    api: { type: 'number', minimum: 1, maximum: 1.99 },
    ticks: { type: 'number', exclusiveMinimum: 0, maximum: 1000000 },
    first_trade: { type: 'integer', minimum: 0 },
    traders: { type: 'integer', minimum: 0 },
    transactions: { type: 'integer', minimum: 0 },
    uri: siteUrl('the root path of the site'),
    divisions: { type: 'string', maxLength: 255, pattern: '^[0-9|]*$' },
    visibility: { type: 'boolean' },
    logo: siteUrl('the site\'s logo'),
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lon: { type: 'number', minimum: -180, maximum: 180 },
    new_key: key,
    name: text(100, 'the site\'s title'),
  },
  required: ['src_url', 'key', 'mail', 'ticks'],
});

export interface LegacyPrepareBody { src_url: string; key: string; volume: number; integrity: boolean; balance: number; deficit?: number }

export const LegacyPrepare = schema<LegacyPrepareBody>('LegacyPrepare', {
  type: 'object',
  properties: {
    ...auth,
    volume: { type: 'number', minimum: 0, maximum: 922337203685 },
    integrity: { type: 'boolean' },
    balance: { type: 'number', minimum: -922337203685, maximum: 922337203685 },
    deficit: { type: 'number' },
  },
  required: ['src_url', 'key', 'volume', 'integrity', 'balance'],
});

export interface LegacyTryBody {
  src_url: string; key: string; payer: string; payer_url: string; payee: string; payee_url: string; dest_url: string;
  quantity: number; description: string; really: boolean; date?: string; temp_id?: string;
}

export const LegacyTry = schema<LegacyTryBody>('LegacyTry', {
  type: 'object',
  properties: {
    ...auth,
    payer: text(255, 'the paying member'),
    payer_url: siteUrl('the payer\'s page'),
    payee: text(255, 'the receiving member'),
    payee_url: siteUrl('the payee\'s page'),
    dest_url: siteUrl('the receiving exchange'),
    quantity: { type: 'number', exclusiveMinimum: 0, maximum: 922337203685, description: 'in the payer exchange\'s own units (the legacy client sends source units)' },
    description: text(255, 'what the payment is for', 0),
    really: { type: 'boolean' },
    date: { type: 'string', maxLength: 64 },
    temp_id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' },
  },
  required: ['src_url', 'key', 'payer', 'payer_url', 'payee', 'payee_url', 'dest_url', 'quantity', 'description', 'really'],
});
