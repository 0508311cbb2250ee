/** The audit log: who changed what, in which role, when, from what to what. */
import { auditLog } from '../core/audit';
import { GovernanceDeps, Operation, operation } from './operation';
import * as S from './schemas/audit';

export function auditOperations(deps: GovernanceDeps): Operation[] {
  return [
    operation({
      id: 'listAudit', method: 'get', path: '/audit', tag: 'audit',
      access: { right: 'read', scope: 'visible' },
      summary: 'Recorded changes, newest first (a community token: only those about its communities)',
      query: S.AuditQuery,
      responses: { 200: { description: 'the entries', schema: S.AuditList } },
      errors: [400, 401, 503],
      async handle({ query, principal }) {
        const rows = await deps.db.hub((trx) => auditLog(trx, { subject: query.subject, limit: query.limit, communities: principal.communities }));
        return {
          status: 200,
          body: {
            entries: rows.map((r) => ({
              id: String(r.id), at: new Date(r.at).toISOString(), actor: r.actor, role: r.role ?? null, communities: r.communities, action: r.action, subject: r.subject,
              before: r.before ?? null, after: r.after ?? null,
            })),
          },
        };
      },
    }),
  ];
}
