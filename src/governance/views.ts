/**
 * Core models as the governance API shows them: codes instead of internal ids, amounts
 * as decimal strings (formatAmount), dates in ISO 8601.
 */
import { formatAmount, isAmountError, parseAmount } from '../core/amounts';
import { Account } from '../core/accounts/model';
import { Community } from '../core/communities/model';
import { transferErrorMessage } from '../core/transfers/errors';
import { Transfer } from '../core/transfers/model';
import { Delivery } from '../core/deliveries/model';

const iso = (d: Date | string): string => new Date(d).toISOString();

/** Settings are stored as given ("5"); shown in one form ("5.0000000"). */
const amountText = (s: string): string => {
  const v = parseAmount(s, { allowZero: true });
  return isAmountError(v) ? s : formatAmount(v);
};

export interface CommunityView {
  code: string;
  name: string;
  kind: string;
  status: string;
  rate: { n: number; d: number };
  ledgerStatus: string;
  settings: Record<string, string>;
  ledgerAccounts: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export function communityView(c: Community): CommunityView {
  return {
    code: c.code,
    name: c.name,
    kind: c.kind,
    status: c.status,
    rate: { n: c.rateN, d: c.rateD },
    ledgerStatus: c.ledgerStatus,
    settings: Object.fromEntries(Object.entries(c.settings).map(([k, v]) => [k, amountText(String(v))])),
    ledgerAccounts: { ...c.ledgerAccounts },
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

export interface AccountView {
  community: string;
  code: string;
  kind: string;
  status: string;
  publicKey: string;
  creditLimit: string;
  maxBalance: string;
  balance?: string;
  ledgerStatus: string;
  createdAt: string;
}

export function accountView(c: Community, a: Account, balance?: bigint): AccountView {
  return {
    community: c.code,
    code: a.code,
    kind: a.kind,
    status: a.status,
    publicKey: a.publicKey,
    creditLimit: formatAmount(a.creditLimit),
    maxBalance: formatAmount(a.maxBalance),
    ...(balance === undefined ? {} : { balance: formatAmount(balance) }),
    ledgerStatus: a.ledgerStatus,
    createdAt: iso(a.createdAt),
  };
}

export interface CreditLineView {
  community: string;
  peer: string;
  limit: string;
  usage: string;
}

export function creditLineView(truster: Community, peer: Community, limit: bigint, usage: bigint): CreditLineView {
  return { community: truster.code, peer: peer.code, limit: formatAmount(limit), usage: formatAmount(usage) };
}

export interface TransferView {
  id: string;
  state: string;
  payer: string;
  payee: string;
  amount: string;
  sourceAmount: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  meta: string;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryView {
  kind: string;
  target: string;
  state: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
}

export function deliveryView(d: Delivery): DeliveryView {
  return { kind: d.kind, target: d.target, state: d.state, attempts: d.attempts, nextAttemptAt: iso(d.nextAttemptAt), lastError: d.lastError };
}

export function transferView(t: Transfer, payer: string, payee: string, deliveries?: Delivery[]): TransferView {
  const code = t.errorCode as keyof typeof transferErrorMessage | null;
  return {
    id: t.id,
    state: t.state,
    payer,
    payee,
    amount: formatAmount(t.amount),
    sourceAmount: t.sourceAmount === null ? null : formatAmount(t.sourceAmount),
    errorCode: t.errorCode,
    errorMessage: t.errorMessage ?? (code && code in transferErrorMessage ? transferErrorMessage[code] : null),
    meta: t.meta,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    ...(deliveries ? { protocol: t.idempotencyKey.split('|')[0], ledgerHash: t.ledgerHash, deliveries: deliveries.map(deliveryView) } : {}),
  };
}
