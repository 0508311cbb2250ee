/**
 * manageData, after stellar-core's ManageDataOpFrame: create, update or (no value)
 * delete a named data entry of the source; each entry is a subentry.
 */
import { xdr } from '@stellar/stellar-sdk';
import { createSubentry, removeSubentry } from '../state/sponsorship';
import { OpFrame } from './types';
import { effect, isStringValid, sponsorshipEffect, sponsorshipFailure, voidResults, xdrString } from './support';

const out = voidResults('manageData', xdr.ManageDataResult, {
  manageDataSuccess: 'op_success',
  manageDataNotSupportedYet: 'op_not_supported_yet',
  manageDataNameNotFound: 'op_data_name_not_found',
  manageDataLowReserve: 'op_low_reserve',
  manageDataInvalidName: 'op_data_invalid_name',
});

function details(body: xdr.ManageDataOp): Record<string, unknown> {
  const v = body.dataValue();
  return { name: xdrString(body.dataName()).toString('latin1'), value: v ? v.toString('base64') : '' };
}

export const frame: OpFrame<xdr.ManageDataOp> = {
  type: 'manageData',
  threshold: () => 'medium',

  checkValid(body) {
    const name = xdrString(body.dataName());
    if (name.length < 1 || !isStringValid(name)) return out('manageDataInvalidName', details(body));
    return null;
  },

  apply(body, ctx) {
    const { state, header } = ctx;
    const d = details(body);
    const name = d.name as string;
    const value = body.dataValue();
    const existing = state.getData(ctx.sourceId, name);
    if (value) {
      if (existing) {
        state.putData({ ...existing, value: Buffer.from(value) });
        ctx.effect(effect('data_updated', ctx.sourceId, { name, value: d.value }));
        return out('manageDataSuccess', d);
      }
      const sp = createSubentry(state, header.baseReserve, ctx.sourceId);
      if (sp.result !== 'success') return sponsorshipFailure(sp.result, () => out('manageDataLowReserve', d), d);
      state.putData({ accountId: ctx.sourceId, name, value: Buffer.from(value), sponsor: sp.sponsor });
      ctx.effect(effect('data_created', ctx.sourceId, { name, value: d.value }));
      if (sp.sponsor) {
        ctx.effect(sponsorshipEffect('data', 'created', ctx.sourceId, { data_name: name }, null, sp.sponsor));
      }
      return out('manageDataSuccess', d);
    }
    if (!existing) return out('manageDataNameNotFound', d);
    removeSubentry(state, ctx.sourceId, existing.sponsor);
    state.deleteData(ctx.sourceId, name);
    ctx.effect(effect('data_removed', ctx.sourceId, { name }));
    if (existing.sponsor) {
      ctx.effect(sponsorshipEffect('data', 'removed', ctx.sourceId, { data_name: name }, existing.sponsor, null));
    }
    return out('manageDataSuccess', d);
  },
};
