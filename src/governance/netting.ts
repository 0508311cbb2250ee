/**
 * Netting: each community's governing body opts in (and may cap a run); anyone who
 * governs or audits sees the preview of the largest clearing, limited to what they may
 * see — a governing body its own communities' figures, the hub-wide their totals too.
 */
import { formatAmount, isAmountError, parseAmount } from '../core/amounts';
import { LeftOut, NettingRun, NettingService, NettingSettings, shareOf } from '../core/netting/service';
import { visible } from './access';
import { requireCommunity } from './lookup';
import { GovernanceDeps, Operation, operation } from './operation';
import * as S from './schemas/netting';
import { HttpError } from '../http/errors';

const LEFT_OUT: Record<LeftOut, string> = {
  not_opted_in: 'its governing body has not opted in to netting (PUT /communities/{code}/netting)',
  keys_elsewhere: 'its currency is kept by another server, whose trader keys the hub does not hold',
  not_on_ledger: 'its currency is not on the ledger yet',
};

const runView = (r: NettingRun) => ({
  id: r.id, actor: r.actor, state: r.state, gross: formatAmount(r.gross), cleared: formatAmount(r.cleared),
  transactions: r.hashes.map((h) => h.slice(h.indexOf(':') + 1)), error: r.error,
  startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt?.toISOString() ?? null,
});

const settingsView = (code: string, s: NettingSettings) => ({ community: code, optedIn: s.optedIn, cap: s.cap === null ? null : formatAmount(s.cap) });

export function nettingOperations(deps: GovernanceDeps & { netting: NettingService }): Operation[] {
  return [
    operation({
      id: 'getNetting', method: 'get', path: '/communities/{code}/netting', tag: 'netting',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'Whether the community takes part in netting, and its cap per run',
      responses: { 200: { description: 'its netting settings', schema: S.Netting } },
      errors: [401, 404, 503],
      async handle({ params }) {
        const c = await requireCommunity(deps, params.code);
        return { status: 200, body: settingsView(c.code, await deps.netting.settings(c)) };
      },
    }),
    operation({
      id: 'setNetting', method: 'put', path: '/communities/{code}/netting', tag: 'netting',
      access: { right: 'write', community: { param: 'code' } },
      summary: 'Opt the community in to netting or out of it, and cap what one run may clear through it',
      body: S.SetNetting,
      responses: { 200: { description: 'its netting settings as they now stand', schema: S.Netting } },
      errors: [400, 401, 403, 404, 503],
      async handle({ params, body, actor }) {
        const c = await requireCommunity(deps, params.code);
        let cap: bigint | null = null;
        if (body.cap !== undefined && body.cap !== null) {
          const v = parseAmount(body.cap, { allowZero: true });
          if (isAmountError(v)) throw new HttpError(400, 'invalid_request', `cap: ${v}`, 'cap');
          cap = v;
        }
        const s = await deps.netting.setSettings(c, { optedIn: body.optedIn, cap }, actor);
        return { status: 200, body: settingsView(c.code, s) };
      },
    }),
    operation({
      id: 'previewNetting', method: 'get', path: '/netting/preview', tag: 'netting',
      access: { right: 'read', scope: 'visible' },
      summary: 'The largest clearing of inter-community positions now, before anything is done',
      description: 'Positions are read from the ledger (what each community\'s external trader holds of the others\' HOUR). Only communities that opted in and whose trader keys the hub holds take part; the others are listed with the reason.',
      responses: { 200: { description: 'per community: gross before and after, credit-line room freed', schema: S.NettingPreview } },
      errors: [401, 503],
      async handle({ principal }) {
        const p = await deps.netting.preview();
        const code = new Map([...p.communities.map((x) => x.community), ...p.leftOut.map((x) => x.community)].map((c) => [c.id, c.code]));
        const sees = (id: string) => visible(principal, code.get(id) ?? '');
        return {
          status: 200,
          body: {
            at: p.at.toISOString(),
            communities: p.communities.filter((x) => visible(principal, x.community.code)).map((x) => ({
              community: x.community.code,
              claimsBefore: formatAmount(x.claimsBefore), claimsAfter: formatAmount(x.claimsAfter),
              debtsBefore: formatAmount(x.debtsBefore), debtsAfter: formatAmount(x.debtsAfter),
              roomFreed: formatAmount(x.roomFreed),
            })),
            positions: p.positions.filter((x) => sees(x.debtor) || sees(x.creditor)).map((x) => ({
              debtor: code.get(x.debtor), creditor: code.get(x.creditor), amount: formatAmount(x.amount), cleared: formatAmount(x.cleared),
            })),
            leftOut: p.leftOut.filter((x) => visible(principal, x.community.code))
              .map((x) => ({ community: x.community.code, reason: x.reason, detail: LEFT_OUT[x.reason] })),
            ...(principal.communities === null
              ? { totals: { gross: formatAmount(p.gross), cleared: formatAmount(p.cleared), share: shareOf(p.cleared, p.gross) } }
              : {}),
          },
        };
      },
    }),
    operation({
      id: 'runNetting', method: 'post', path: '/netting/runs', tag: 'netting',
      access: { right: 'write', scope: 'hub' },
      summary: 'Clear now, on the ledger, what the preview shows',
      description: 'The clearing is split into cycles, grouped into transactions of at most 19 legs; each applies wholly or not at all, so no net position moves even between them. A transaction the ledger refuses (positions moved meanwhile) stops the run: state failed, nothing of it moved; the next run reads the positions again.',
      responses: { 201: { description: 'the run, finished', schema: S.NettingRun } },
      errors: [401, 403, 503],
      async handle({ actor }) {
        return { status: 201, body: runView(await deps.netting.run(actor)) };
      },
    }),
    operation({
      id: 'listNettingRuns', method: 'get', path: '/netting/runs', tag: 'netting',
      access: { right: 'read', scope: 'hub' },
      summary: 'The latest netting runs: what each cleared on the ledger ("cleared by netting" over time)',
      responses: { 200: { description: 'the runs, newest first', schema: S.NettingRunList } },
      errors: [401, 403, 503],
      async handle() {
        return { status: 200, body: { runs: (await deps.netting.runs()).map(runView) } };
      },
    }),
  ];
}
