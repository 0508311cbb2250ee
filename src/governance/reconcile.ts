/** Reconciliation on demand: compare the hub's records with the ledger, optionally repair. */
import { Reconciler } from '../core/reconcile';
import { Operation, operation } from './operation';
import * as S from './schemas/reconcile';

export function reconcileOperations(deps: { reconciler: Reconciler }): Operation[] {
  return [
    operation({
      id: 'reconcile', method: 'post', path: '/reconcile', tag: 'operations',
      access: { right: 'write', scope: 'hub' },
      summary: 'Compare the hub with the ledger; report drift and, with repair, fix what is safe',
      body: S.ReconcileRequest,
      responses: { 200: { description: 'every drift found (empty when in step)', schema: S.DriftReport } },
      errors: [400, 401, 503],
      async handle({ body }) {
        const drift = await deps.reconciler.run({ repair: body.repair ?? false });
        return { status: 200, body: { drift } };
      },
    }),
  ];
}
