/** The audit log: who changed what, when, from what to what. */
import { auditLog } from '../core/audit';
import { GovernanceDeps, Operation, operation } from './operation';
import * as S from './schemas/audit';

export function auditOperations(deps: GovernanceDeps): Operation[] {
  return [
    operation({
      id: 'listAudit', method: 'get', path: '/audit', tag: 'audit',
      summary: 'Recorded changes, newest first',
      query: S.AuditQuery,
      responses: { 200: { description: 'the entries', schema: S.AuditList } },
      errors: [400, 401, 503],
      async handle({ query }) {
        const rows = await deps.db.hub((trx) => auditLog(trx, { subject: query.subject, limit: query.limit }));
        return {
          status: 200,
          body: {
            entries: rows.map((r) => ({
              id: String(r.id), at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, subject: r.subject,
              before: r.before ?? null, after: r.after ?? null,
            })),
          },
        };
      },
    }),
  ];
}
