import { quantity, schema, siteUrl, text } from './common';

export interface TryBody {
  payer: string;
  payer_url: string;
  payee: string;
  payee_url: string;
  src_url: string;
  dest_url: string;
  quantity: number;
  description: string;
  really: boolean;
  temp_id: string;
}

const who = (description: string) => text(255, description);

const properties = {
  payer: who('the paying member at the source exchange (mail or id)'),
  payer_url: siteUrl('the payer\'s page or site'),
  payee: who('the receiving member at the destination (mail or id; on a community of this hub: its account code)'),
  payee_url: siteUrl('the payee\'s page or site'),
  src_url: siteUrl('the paying exchange\'s site address (the caller)'),
  dest_url: siteUrl('the receiving exchange\'s site address, or <hub>/<CODE> for a community hosted on this hub'),
  quantity: quantity('what the payee receives, in base units (HOUR), at most 7 decimals'),
  description: text(255, 'what the payment is for', 0),
  really: { type: 'boolean', description: 'false: only validate and quote; true: pay' },
  temp_id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$', description: 'the client\'s id of this transaction: a repeat never pays twice' },
} as const;

const required = ['payer', 'payer_url', 'payee', 'payee_url', 'src_url', 'dest_url', 'quantity', 'description', 'really', 'temp_id'];

/** PUT /cxp/transactions, and the relay PUT <uri>/transactions (same message). */
export const Try = schema<TryBody>('Try', {
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  examples: [{
    payer: 'ann@lets.example', payer_url: 'lets.example/town/user/3', payee: 'bob@swap.example', payee_url: 'swap.example/user/9',
    src_url: 'lets.example/town', dest_url: 'swap.example', quantity: 1.5, description: 'two jars of honey', really: true, temp_id: '7f3a9c',
  }],
});

export const TryReply = schema<unknown>('TryReply', {
  type: 'object',
  properties: {
    code: { const: 'OK' },
    args: { type: 'object' },
    temp_id: { type: 'string' },
    really: { type: 'boolean' },
    quantity: { type: 'number', description: 'what the payee receives, base units' },
    cost: { type: 'number', description: 'what the paying exchange\'s account pays, base units' },
    state: { enum: ['quoted', 'settled', 'delivered'], description: 'quoted (really=false), delivered (the payee\'s side has it) or settled (nothing further to tell)' },
  },
  required: ['code', 'args', 'temp_id', 'really', 'quantity'],
});

export const ErrorReply = schema<unknown>('Error', {
  type: 'object',
  properties: {
    code: { type: 'integer', description: 'the CXP error code' },
    args: { type: 'object', additionalProperties: { type: 'string' }, description: 'replacements for the @-words of the code\'s message' },
    message: { type: 'string', description: 'the message with its @-words replaced, for people' },
  },
  required: ['code', 'args', 'message'],
});
