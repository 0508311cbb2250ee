import { schema, siteUrl, text } from './common';

export interface HandshakeBody {
  api: number;
  mail: string;
  ticks: number;
  first_trade: number;
  traders: number;
  transactions: number;
  uri: string;
  name?: string;
  divisions?: string;
  visibility?: boolean;
  logo?: string;
  lat?: number;
  lon?: number;
  new_key?: string;
}

const count = (description: string) => ({ type: 'integer', minimum: 0, maximum: 2147483647, description }) as const;

export const Handshake = schema<HandshakeBody>('Handshake', {
  type: 'object',
  description: 'POST /cxp/server: the exchange announces itself, may rotate its key, and sends its statistics.',
  properties: {
    api: { type: 'number', minimum: 1, maximum: 1.99, description: 'version of this API the client speaks (1.0)' },
    mail: { type: 'string', minLength: 3, maxLength: 63, pattern: '^[^\\s@]+@[^\\s@]+$', description: 'address of the site admin' },
    ticks: {
      type: 'number', exclusiveMinimum: 0, maximum: 1000000,
      description: 'how many units of the exchange\'s currency make one HOUR ("1 tick is 1 minute and your currency is hours: 60"); at most 7 decimals; locked after the first trade',
    },
    first_trade: count('unix time of the first trade in the exchange'),
    traders: count('number of traders'),
    transactions: count('number of transactions in the last 30 days'),
    uri: siteUrl('the root path of the site, e.g. "domain.org/mytown"'),
    name: text(100, 'the site\'s title (shown in GET /cxp/server/clients)'),
    divisions: { type: 'string', maxLength: 255, pattern: '^[0-9|]*$', description: '"01" for cents, or acceptable centiles separated by "|"' },
    visibility: { type: 'boolean', description: 'whether these data may be shown to the public' },
    logo: siteUrl('absolute URL of the site\'s logo'),
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lon: { type: 'number', minimum: -180, maximum: 180 },
    new_key: {
      type: 'string', minLength: 32, maxLength: 128, pattern: '^[A-Za-z0-9_+/=-]+$',
      description: 'a new Hawk key the hub must use from now on (this request is still signed with the current one)',
    },
  },
  required: ['api', 'mail', 'ticks', 'first_trade', 'traders', 'transactions', 'uri'],
  additionalProperties: false,
  examples: [{ api: 1, mail: 'admin@lets.example', ticks: 60, first_trade: 1356998400, traders: 120, transactions: 340, uri: 'lets.example/town' }],
});

export const HandshakeReply = schema<unknown>('HandshakeReply', {
  type: 'object',
  properties: {
    message: { type: 'string', description: 'the rules and news of the circle, HTML' },
    status: { enum: [-1, 0, 1], description: '-1 no account, 0 blocked, 1 trading' },
    balance: { type: 'number', description: 'the exchange\'s balance on the hub (its virtual customer), base units' },
    min: { type: 'number', description: 'lowest balance allowed, base units (≤ 0)' },
    max: { type: 'number', description: 'highest balance allowed, base units (≥ 0)' },
    count: { type: 'integer', description: 'intertrading transactions of this exchange so far' },
    keymatch: { type: 'boolean', description: 'whether the hub now holds the key the client will sign with next' },
  },
  required: ['message', 'status', 'balance', 'min', 'max', 'count', 'keymatch'],
});
