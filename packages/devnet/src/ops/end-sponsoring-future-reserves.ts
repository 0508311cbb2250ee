/**
 * endSponsoringFutureReserves, after stellar-core's EndSponsoringFutureReservesOpFrame:
 * the sponsored account (source) closes the sandwich its sponsor opened.
 */
import { xdr } from '@stellar/stellar-sdk';
import { OpFrame } from './types';
import { voidResults } from './support';

const out = voidResults('endSponsoringFutureReserves', xdr.EndSponsoringFutureReservesResult, {
  endSponsoringFutureReservesSuccess: 'op_success',
  endSponsoringFutureReservesNotSponsored: 'op_not_sponsored',
});

export const frame: OpFrame<void> = {
  type: 'endSponsoringFutureReserves',
  threshold: () => 'medium',
  checkValid: () => null,

  apply(_body, ctx) {
    const sponsor = ctx.state.sponsorOf(ctx.sourceId);
    if (sponsor === undefined) return out('endSponsoringFutureReservesNotSponsored', {});
    ctx.state.setSponsoring(ctx.sourceId, undefined);
    return out('endSponsoringFutureReservesSuccess', { begin_sponsor: sponsor });
  },
};
