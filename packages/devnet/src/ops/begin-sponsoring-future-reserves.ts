/**
 * beginSponsoringFutureReserves, after stellar-core's
 * BeginSponsoringFutureReservesOpFrame: opens a sandwich in which the source pays
 * the reserves of entries the sponsored account creates, until it ends the sponsorship.
 */
import { xdr } from '@stellar/stellar-sdk';
import { OpFrame } from './types';
import { accountIdOfKey } from './dex-format';
import { voidResults } from './support';

const out = voidResults('beginSponsoringFutureReserves', xdr.BeginSponsoringFutureReservesResult, {
  beginSponsoringFutureReservesSuccess: 'op_success',
  beginSponsoringFutureReservesMalformed: 'op_malformed',
  beginSponsoringFutureReservesAlreadySponsored: 'op_already_sponsored',
  beginSponsoringFutureReservesRecursive: 'op_recursive',
});

export const frame: OpFrame<xdr.BeginSponsoringFutureReservesOp> = {
  type: 'beginSponsoringFutureReserves',
  threshold: () => 'medium',

  checkValid(body, ctx) {
    const sponsored = accountIdOfKey(body.sponsoredId().ed25519());
    if (sponsored === ctx.sourceId) return out('beginSponsoringFutureReservesMalformed', { sponsored_id: sponsored });
    return null;
  },

  apply(body, ctx) {
    const { state } = ctx;
    const sponsored = accountIdOfKey(body.sponsoredId().ed25519());
    const d = { sponsored_id: sponsored };
    if (state.sponsorOf(sponsored) !== undefined) return out('beginSponsoringFutureReservesAlreadySponsored', d);
    // No chains: the sponsor may not itself be sponsored, nor the sponsored be sponsoring.
    if (state.sponsorOf(ctx.sourceId) !== undefined) return out('beginSponsoringFutureReservesRecursive', d);
    if (state.isSponsoringFuture(sponsored)) return out('beginSponsoringFutureReservesRecursive', d);
    state.setSponsoring(sponsored, ctx.sourceId);
    return out('beginSponsoringFutureReservesSuccess', d);
  },
};
