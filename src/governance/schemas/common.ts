/** Building blocks shared by the resources' schemas. */
import { schema } from './schema';

/**
 * Amounts travel as decimal strings (never JSON numbers, which are floats). The formats
 * are checked with the hub's own parser (validate.ts), so the schema and the ledger
 * agree on "at most 7 decimals, within int64 stroops".
 */
export const Amount = schema<string>('Amount', {
  type: 'string',
  format: 'amount',
  description: 'A non-negative decimal string with at most 7 decimals, up to 922337203685.4775807 (e.g. "12.5").',
  examples: ['100', '12.5'],
});

export const PositiveAmount = schema<string>('PositiveAmount', {
  type: 'string',
  format: 'positive-amount',
  description: 'A positive decimal string with at most 7 decimals, up to 922337203685.4775807 (e.g. "12.5").',
  examples: ['10', '0.25'],
});

export interface RateBody { n: number; d: number }

const int32 = { type: 'integer', minimum: 1, maximum: 2147483647 } as const;

export const Rate = schema<RateBody>('Rate', {
  type: 'object',
  description: 'Value of one local unit in HOUR, as the fraction n/d of positive 32-bit integers.',
  properties: { n: { ...int32, description: 'numerator' }, d: { ...int32, description: 'denominator' } },
  required: ['n', 'd'],
  additionalProperties: false,
  examples: [{ n: 1, d: 10 }],
});

export const CommunityCode = schema<string>('CommunityCode', {
  type: 'string',
  pattern: '^[A-Z0-9]{4}$',
  description: 'Four characters A–Z or 0–9; also the asset code of the community\'s currency.',
  examples: ['GRN1'],
});

export const AccountCode = schema<string>('AccountCode', {
  type: 'string',
  pattern: '^[A-Z0-9_-]{1,32}$',
  description: '1 to 32 characters A–Z, 0–9, "-" or "_"; generated as <community><number> when omitted.',
  examples: ['GRN10001'],
});

export const Timestamp = { type: 'string', format: 'date-time' } as const;

export const ErrorBody = schema<unknown>('Error', {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'stable machine-readable code, e.g. invalid_request, unknown_community, below_outstanding' },
        message: { type: 'string', description: 'what was wrong and what to do, for people' },
        field: { type: 'string', description: 'the request field at fault (dotted path), when there is one' },
        requestId: { type: 'string' },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
});
