/**
 * Shared pieces of the account, trust and sponsorship operations: building
 * xdr.OperationResult values with Horizon's code strings, the operation-level
 * failures (opTOO_MANY_SUBENTRIES, …), Horizon's effect numbers, and the small
 * validity predicates stellar-core's doCheckValid uses (isString32Valid).
 */
import { StrKey, xdr } from '@stellar/stellar-sdk';
import { AccountId, Signer } from '../state/entries';
import { SponsorshipResult } from '../state/sponsorship';
import { OpOutcome } from './types';

type Factory = (v?: unknown) => unknown;

/**
 * Results of one operation type whose result union has only void arms (most of
 * them). `codes` maps each arm name of the XDR union to Horizon's string. Results
 * are immutable, so each is built once.
 */
export function voidResults<Arm extends string>(
  opType: string, union: unknown, codes: Record<Arm, string>,
): (arm: Arm, details?: Record<string, unknown>) => OpOutcome {
  const cache = new Map<Arm, xdr.OperationResult>();
  const u = union as Record<string, Factory>;
  const tr = xdr.OperationResultTr as unknown as Record<string, (v: unknown) => xdr.OperationResultTr>;
  return (arm, details) => {
    let r = cache.get(arm);
    if (!r) {
      r = xdr.OperationResult.opInner(tr[opType](u[arm]()));
      cache.set(arm, r);
    }
    return details ? { code: codes[arm], result: r, details } : { code: codes[arm], result: r };
  };
}

/** Wraps an op-specific result that carries a value (e.g. accountMerge's balance). */
export function innerResult(opType: string, result: unknown): xdr.OperationResult {
  const tr = xdr.OperationResultTr as unknown as Record<string, (v: unknown) => xdr.OperationResultTr>;
  return xdr.OperationResult.opInner(tr[opType](result));
}

export type OpLevelCode =
  | 'opBadAuth' | 'opNoAccount' | 'opNotSupported' | 'opTooManySubentries'
  | 'opExceededWorkLimit' | 'opTooManySponsoring';

const OP_LEVEL: Record<OpLevelCode, string> = {
  opBadAuth: 'op_bad_auth',
  opNoAccount: 'op_no_source_account',
  opNotSupported: 'op_not_supported',
  opTooManySubentries: 'op_too_many_subentries',
  opExceededWorkLimit: 'op_exceeded_work_limit',
  opTooManySponsoring: 'op_too_many_sponsoring',
};

const opLevelCache = new Map<OpLevelCode, xdr.OperationResult>();

/** A failure of the operation frame itself, not of the op-specific logic. */
export function opLevel(code: OpLevelCode, details?: Record<string, unknown>): OpOutcome {
  let r = opLevelCache.get(code);
  if (!r) {
    r = (xdr.OperationResult as unknown as Record<string, () => xdr.OperationResult>)[code]();
    opLevelCache.set(code, r);
  }
  return details ? { code: OP_LEVEL[code], result: r, details } : { code: OP_LEVEL[code], result: r };
}

/**
 * What stellar-core does with a failed createEntryWithPossibleSponsorship: LOW_RESERVE
 * is op-specific, the counters overflowing are operation-level codes.
 */
export function sponsorshipFailure(
  r: Exclude<SponsorshipResult, 'success'>, lowReserve: () => OpOutcome, details?: Record<string, unknown>,
): OpOutcome {
  switch (r) {
    case 'low_reserve': return lowReserve();
    case 'too_many_subentries': return opLevel('opTooManySubentries', details);
    case 'too_many_sponsoring': return opLevel('opTooManySponsoring', details);
    case 'too_many_sponsored': throw new Error('sponsorship: too many sponsored (unreachable with the subentry limit)');
  }
}

/** Horizon's effect type numbers (services/horizon/internal/db2/history/effect.go). */
export const EFFECT = {
  account_created: 0,
  account_removed: 1,
  account_credited: 2,
  account_debited: 3,
  account_thresholds_updated: 4,
  account_home_domain_updated: 5,
  account_flags_updated: 6,
  account_inflation_destination_updated: 7,
  signer_created: 10,
  signer_removed: 11,
  signer_updated: 12,
  trustline_created: 20,
  trustline_removed: 21,
  trustline_updated: 22,
  trustline_authorized: 23,
  trustline_deauthorized: 24,
  trustline_authorized_to_maintain_liabilities: 25,
  trustline_flags_updated: 26,
  data_created: 40,
  data_removed: 41,
  data_updated: 42,
  sequence_bumped: 43,
  account_sponsorship_created: 60,
  account_sponsorship_updated: 61,
  account_sponsorship_removed: 62,
  trustline_sponsorship_created: 63,
  trustline_sponsorship_updated: 64,
  trustline_sponsorship_removed: 65,
  data_sponsorship_created: 66,
  data_sponsorship_updated: 67,
  data_sponsorship_removed: 68,
  signer_sponsorship_created: 72,
  signer_sponsorship_updated: 73,
  signer_sponsorship_removed: 74,
} as const;

export type EffectType = keyof typeof EFFECT;

/** An EffectInput for ctx.effect, with Horizon's number for the type. */
export function effect(type: EffectType, account: AccountId, details: Record<string, unknown> = {}) {
  return { type, typeI: EFFECT[type], account, details };
}

/** The three sponsorship effects of one kind of entry, for created/updated/removed. */
export function sponsorshipEffect(
  kind: 'account' | 'trustline' | 'data' | 'signer', change: 'created' | 'updated' | 'removed',
  account: AccountId, entryDetails: Record<string, unknown>, former: AccountId | null, next: AccountId | null,
) {
  const type = `${kind}_sponsorship_${change}` as EffectType;
  const d: Record<string, unknown> = { ...entryDetails };
  if (change === 'created') d.sponsor = next;
  else if (change === 'removed') d.former_sponsor = former;
  else { d.former_sponsor = former; d.new_sponsor = next; }
  return effect(type, account, d);
}

/** stellar-core's isString32Valid: printable ASCII only (no control or high bytes). */
export function isStringValid(raw: Buffer | string): boolean {
  const b = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
  for (let i = 0; i < b.length; i++) if (b[i] < 0x20 || b[i] > 0x7e) return false;
  return true;
}

/** XDR strings reach us as Buffer or string depending on the SDK path; normalise. */
export function xdrString(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

// ---- signer keys ----------------------------------------------------------------

/** strkey of an xdr.SignerKey: G… ed25519, T… pre-auth tx, X… hash-x, P… signed payload. */
export function signerKeyString(k: xdr.SignerKey): string {
  switch (k.switch().name) {
    case 'signerKeyTypeEd25519': return StrKey.encodeEd25519PublicKey(k.ed25519());
    case 'signerKeyTypePreAuthTx': return StrKey.encodePreAuthTx(k.preAuthTx());
    case 'signerKeyTypeHashX': return StrKey.encodeSha256Hash(k.hashX());
    default: {
      const p = k.ed25519SignedPayload();
      const len = p.payload().length;
      const raw = Buffer.alloc(32 + 4 + len + ((4 - (len % 4)) % 4));
      p.ed25519().copy(raw, 0);
      raw.writeUInt32BE(len, 32);
      p.payload().copy(raw, 36);
      return StrKey.encodeSignedPayload(raw);
    }
  }
}

const KEY_TYPE_ORDER: Record<string, number> = { G: 0, T: 1, X: 2, P: 3 };

function signerRaw(key: string): Buffer {
  switch (key[0]) {
    case 'G': return StrKey.decodeEd25519PublicKey(key);
    case 'T': return StrKey.decodePreAuthTx(key);
    case 'X': return StrKey.decodeSha256Hash(key);
    default: return StrKey.decodeSignedPayload(key);
  }
}

/** stellar-core keeps signers sorted by SignerKey (type, then bytes): findSignerByKey. */
export function compareSignerKeys(a: string, b: string): number {
  const t = KEY_TYPE_ORDER[a[0]] - KEY_TYPE_ORDER[b[0]];
  return t !== 0 ? t : Buffer.compare(signerRaw(a), signerRaw(b));
}

export function insertSigner(signers: readonly Signer[], s: Signer): Signer[] {
  const out = [...signers];
  let i = 0;
  while (i < out.length && compareSignerKeys(out[i].key, s.key) < 0) i++;
  out.splice(i, 0, s);
  return out;
}
