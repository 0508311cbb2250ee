/**
 * The governance audit log: every change a governing body makes, with who made it,
 * when, and the state before and after, written in the transaction that makes it.
 */
import { Trx } from '../db/database';
import { formatAmount } from './amounts';

export interface AuditEntry {
  actor: string;
  action: string;
  /** What was changed, e.g. "community:GRN1" or "credit-line:GRN1→BLU1". */
  subject: string;
  before?: unknown;
  after?: unknown;
}

/** JSON with bigint amounts (stroops) as decimal strings ("12.5000000"), as the APIs show amounts. */
const plain = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? formatAmount(x) : x))));

export async function audit(trx: Trx, e: AuditEntry): Promise<void> {
  await trx('audit_log').insert({
    actor: e.actor, action: e.action, subject: e.subject,
    before: JSON.stringify(plain(e.before)), after: JSON.stringify(plain(e.after)),
  });
}

export interface AuditRecord extends AuditEntry {
  id: string;
  at: Date;
}

export async function auditLog(trx: Trx, opts: { subject?: string; limit?: number } = {}): Promise<AuditRecord[]> {
  const q = trx('audit_log').orderBy('id', 'desc').limit(Math.min(opts.limit ?? 100, 1000));
  if (opts.subject) q.where({ subject: opts.subject });
  return q;
}
