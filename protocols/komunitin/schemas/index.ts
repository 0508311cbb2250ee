/**
 * JSON schemas of every Komunitin message the hub reads, validated with ajv: what
 * peers send us (transfer create and update documents) and what peers serve us
 * (currency, account, and their answers about transfers). Shapes follow Komunitin's
 * serializers (accounting/src/server/serialize.ts) and validators
 * (accounting/src/server/validation.ts); peers may add members we do not read.
 * A failure names the member at fault as a JSON pointer.
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { KomunitinCode, KomunitinError } from '../errors';

const publicKey = { type: 'string', pattern: '^G[A-Z2-7]{55}$' };
const id = { type: 'string', minLength: 1, maxLength: 100 };
const uuid = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' };
const href = { type: 'string', minLength: 8, maxLength: 2000, pattern: '^https?://' };
/**
 * Komunitin amounts are JSON numbers scaled by 10^scale, integers as a rule. But servers
 * from before December 2025 (commit 1673b2f2) convert into the other currency without
 * rounding, so a notify or request they send may state 12.5: the ledger decides what a
 * payment paid, and a request is rounded up (as Komunitin now does).
 */
const statedAmount = { type: 'number', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER };

const accountLink = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['type', 'id'],
      properties: {
        type: { const: 'accounts' },
        id,
        meta: {
          type: 'object',
          required: ['external', 'href'],
          properties: { external: { const: true }, href },
        },
      },
    },
  },
};

export const currencyDocument = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['type', 'id', 'attributes'],
      properties: {
        type: { const: 'currencies' },
        id,
        attributes: {
          type: 'object',
          required: ['code', 'scale', 'rate', 'keys'],
          properties: {
            code: { type: 'string', pattern: '^[A-Z0-9]{4}$' },
            name: { type: 'string', maxLength: 200 },
            // The ledger has 7 decimals: a finer scale cannot be paid exactly.
            scale: { type: 'integer', minimum: 0, maximum: 7 },
            rate: {
              type: 'object',
              required: ['n', 'd'],
              properties: { n: { type: 'integer', minimum: 1, maximum: 2147483647 }, d: { type: 'integer', minimum: 1, maximum: 2147483647 } },
            },
            keys: {
              type: 'object',
              required: ['issuer', 'externalIssuer'],
              properties: { issuer: publicKey, credit: publicKey, admin: publicKey, externalIssuer: publicKey, externalTrader: publicKey },
            },
          },
        },
      },
    },
  },
};

export const accountDocument = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['type', 'id', 'attributes'],
      properties: {
        type: { const: 'accounts' },
        id,
        attributes: {
          type: 'object',
          required: ['key'],
          properties: { code: { type: 'string', maxLength: 100 }, key: publicKey },
        },
      },
    },
  },
};

/**
 * A transfer's `meta`: `{description, …}` (Komunitin since June 2025), or the
 * description itself as a string (servers from before, which send nothing else). Each
 * keyword applies to its type only, so a failure points at the member at fault.
 */
const meta = {
  type: ['string', 'object'],
  maxLength: 2000,
  required: ['description'],
  properties: { description: { type: 'string', maxLength: 2000 } },
};

/** POST /{CODE}/transfers: a notified payment, a payment request, or our member's own. */
export const transferCreateDocument = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['type', 'attributes', 'relationships'],
      properties: {
        type: { const: 'transfers' },
        id: uuid,
        attributes: {
          type: 'object',
          required: ['amount', 'state'],
          properties: {
            // Integers when our member sends it (routes.ts checks): a peer's may not be.
            amount: statedAmount,
            meta,
            state: { enum: ['new', 'committed'] },
            hash: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
          },
        },
        relationships: {
          type: 'object',
          required: ['payer', 'payee'],
          properties: { payer: accountLink, payee: accountLink },
        },
      },
    },
  },
};

/** PATCH /{CODE}/transfers/{id}: a payment request accepted or rejected. */
export const transferUpdateDocument = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['attributes'],
      properties: {
        type: { const: 'transfers' },
        id: uuid,
        attributes: {
          type: 'object',
          required: ['state'],
          properties: {
            state: { enum: ['committed', 'rejected', 'failed'] },
            hash: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
          },
        },
      },
    },
  },
};

/** A peer's answer about a transfer (after our POST or PATCH). */
export const transferAnswerDocument = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['attributes'],
      properties: {
        id,
        attributes: {
          type: 'object',
          required: ['state'],
          properties: {
            state: { enum: ['new', 'pending', 'submitted', 'committed', 'rejected', 'failed', 'deleted'] },
            hash: { anyOf: [{ type: 'string', pattern: '^[0-9a-fA-F]{64}$' }, { type: 'null' }] },
          },
        },
      },
    },
  },
};

export interface RelationshipDoc { data: { type: 'accounts'; id: string; meta?: { external: true; href: string } } }
export interface TransferCreateDoc {
  data: {
    type: 'transfers';
    id?: string;
    attributes: { amount: number; meta?: string | { description: string }; state: 'new' | 'committed'; hash?: string };
    relationships: { payer: RelationshipDoc; payee: RelationshipDoc };
  };
}
export interface TransferUpdateDoc { data: { id?: string; attributes: { state: 'committed' | 'rejected' | 'failed'; hash?: string } } }
export interface TransferAnswerDoc { data: { id?: string; attributes: { state: string; hash?: string | null } } }
export interface CurrencyDoc {
  data: {
    type: 'currencies';
    id: string;
    attributes: {
      code: string; name?: string; scale: number; rate: { n: number; d: number };
      keys: { issuer: string; externalIssuer: string; credit?: string; admin?: string; externalTrader?: string };
    };
  };
}
export interface AccountDoc {
  data: { type: 'accounts'; id: string; attributes: { code?: string; key: string }; relationships?: { currency?: { data?: { id?: string } } } };
}

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new Map<object, ValidateFunction>();

function pointerOf(e: ErrorObject): string {
  const missing = e.keyword === 'required' ? `/${(e.params as { missingProperty: string }).missingProperty}` : '';
  return `${e.instancePath}${missing}` || '/';
}

const ARTICLE: Record<string, string> = { string: 'a string', object: 'an object', number: 'a number', integer: 'an integer', array: 'an array', boolean: 'a boolean', null: 'null' };

/** ajv's message, but a choice of types in words ("must be a string or an object"). */
function messageOf(e: ErrorObject): string {
  const type = (e.params as { type?: string | string[] }).type;
  const types = Array.isArray(type) ? type : typeof type === 'string' ? type.split(',') : [];
  if (e.keyword === 'type' && types.length > 1) return `must be ${types.map((t) => ARTICLE[t] ?? t).join(' or ')}`;
  return e.message ?? 'is invalid';
}

/** Validate `value`, or throw the FieldValidationError naming the member at fault. */
export function validate<T>(schema: object, value: unknown, what: string): T {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  if (v(value)) return value as T;
  const e = v.errors![0];
  throw new KomunitinError(KomunitinCode.FieldValidationError, `${what}: ${pointerOf(e)} ${messageOf(e)}`, pointerOf(e));
}
