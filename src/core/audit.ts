/**
 * The governance audit log: every change a governing body makes, with who made it, in
 * which role, when, and the state before and after, written in the transaction that
 * makes it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
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

/**
 * The role the current request acts in, set once by the governance router for the whole
 * request: the services that write entries are called with an actor only, and need not
 * carry a role they have no other use for.
 */
const acting = new AsyncLocalStorage<string>();
export const actingAs = <T>(role: string, fn: () => Promise<T>): Promise<T> => acting.run(role, fn);

/**
 * The communities an entry is about, from its subject ("account:GRN1/GRN10001" → GRN1,
 * "credit-line:GRN1→BLU1" → both sides: the peer sees the lines granted to it).
 * The migration that added the column computes the same for older entries.
 */
export function subjectCommunities(subject: string): string[] {
  // A token's subject is its actor's name, which may look like a code.
  if (subject.startsWith('token:')) return [];
  const target = subject.slice(subject.indexOf(':') + 1);
  return [...new Set(target.split('→').map((part) => part.split('/')[0]).filter((c) => /^[A-Z0-9]{4}$/.test(c)))];
}

/** JSON with bigint amounts (stroops) as decimal strings ("12.5000000"), as the APIs show amounts. */
const plain = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? formatAmount(x) : x))));

export async function audit(trx: Trx, e: AuditEntry): Promise<void> {
  await trx('audit_log').insert({
    actor: e.actor, action: e.action, subject: e.subject, role: acting.getStore() ?? null,
    communities: subjectCommunities(e.subject),
    before: JSON.stringify(plain(e.before)), after: JSON.stringify(plain(e.after)),
  });
}

export interface AuditRecord extends AuditEntry {
  id: string;
  at: Date;
  role: string | null;
  communities: string[];
}

/** `communities`: only entries about one of these (a governing body's or auditor's own); null = all. */
export async function auditLog(trx: Trx, opts: { subject?: string; limit?: number; communities?: string[] | null } = {}): Promise<AuditRecord[]> {
  const q = trx('audit_log').orderBy('id', 'desc').limit(Math.min(opts.limit ?? 100, 1000));
  if (opts.subject) q.where({ subject: opts.subject });
  // An array literal, bound as one value (knex would spread a JS array); codes are [A-Z0-9]{4}.
  if (opts.communities) q.whereRaw('communities && ?::text[]', [`{${opts.communities.join(',')}}`]);
  return q;
}
