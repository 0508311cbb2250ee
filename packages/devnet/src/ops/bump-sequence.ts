/**
 * bumpSequence (LOW threshold), after stellar-core's BumpSequenceOpFrame: raises the
 * source's sequence number; a target at or below the current one is a silent no-op.
 */
import { xdr } from '@stellar/stellar-sdk';
import { OpFrame } from './types';
import { effect, voidResults } from './support';

const out = voidResults('bumpSequence', xdr.BumpSequenceResult, {
  bumpSequenceSuccess: 'op_success',
  bumpSequenceBadSeq: 'op_bad_seq',
});

export const frame: OpFrame<xdr.BumpSequenceOp> = {
  type: 'bumpSequence',
  threshold: () => 'low',

  checkValid(body) {
    const to = body.bumpTo().toBigInt();
    return to < 0n ? out('bumpSequenceBadSeq', { bump_to: to.toString() }) : null;
  },

  apply(body, ctx) {
    const to = body.bumpTo().toBigInt();
    const d = { bump_to: to.toString() };
    const acc = ctx.state.getAccount(ctx.sourceId)!;
    if (to > acc.seqNum) {
      ctx.state.putAccount({ ...acc, seqNum: to, seqLedger: ctx.header.seq, seqTime: ctx.header.closeTime });
      ctx.effect(effect('sequence_bumped', ctx.sourceId, { new_seq: to.toString() }));
    }
    return out('bumpSequenceSuccess', d);
  },
};
