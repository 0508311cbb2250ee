/**
 * accountMerge (HIGH threshold), after stellar-core's MergeOpFrame (protocol ≥ 16):
 * moves the source's whole native balance to the destination and deletes the source.
 */
import { xdr } from '@stellar/stellar-sdk';
import { AUTH_IMMUTABLE_FLAG, NATIVE } from '../state/entries';
import { addBalance, holding } from '../state/balances';
import { removeSubentry } from '../state/sponsorship';
import { OpContext, OpFrame } from './types';
import { accountIdOfMuxed, amountString, assetDetails, int64 } from './dex-format';
import { effect, innerResult, sponsorshipEffect, voidResults } from './support';

const out = voidResults('accountMerge', xdr.AccountMergeResult, {
  accountMergeMalformed: 'op_malformed',
  accountMergeNoAccount: 'op_no_account',
  accountMergeImmutableSet: 'op_immutable_set',
  accountMergeHasSubEntries: 'op_has_sub_entries',
  accountMergeSeqnumTooFar: 'op_seq_num_too_far',
  accountMergeDestFull: 'op_dest_full',
  accountMergeIsSponsor: 'op_is_sponsor',
});

function details(dest: xdr.MuxedAccount, ctx: OpContext): Record<string, unknown> {
  return { account: ctx.sourceId, into: accountIdOfMuxed(dest) };
}

export const frame: OpFrame<xdr.MuxedAccount> = {
  type: 'accountMerge',
  threshold: () => 'high',

  checkValid(dest, ctx) {
    const d = details(dest, ctx);
    return d.into === ctx.sourceId ? out('accountMergeMalformed', d) : null;
  },

  apply(dest, ctx) {
    const { state, header } = ctx;
    const d = details(dest, ctx);
    const destId = d.into as string;
    if (!state.getAccount(destId)) return out('accountMergeNoAccount', d);
    const source = state.getAccount(ctx.sourceId)!;
    if ((source.flags & AUTH_IMMUTABLE_FLAG) !== 0) return out('accountMergeImmutableSet', d);
    if (source.numSubEntries !== source.signers.length) return out('accountMergeHasSubEntries', d);
    // A merged account recreated in this ledger could replay old sequence numbers.
    if (source.seqNum >= BigInt(header.seq) << 32n) return out('accountMergeSeqnumTooFar', d);
    if (source.numSponsoring > 0) return out('accountMergeIsSponsor', d);

    for (const s of source.signers) {
      removeSubentry(state, ctx.sourceId, s.sponsor);
      if (s.sponsor) ctx.effect(sponsorshipEffect('signer', 'removed', ctx.sourceId, { signer: s.key }, s.sponsor, null));
    }
    const balance = source.balance;
    const target = holding(state, destId, NATIVE)!;
    if (!addBalance(state, target, balance, header.baseReserve)) return out('accountMergeDestFull', d);
    const gone = state.getAccount(ctx.sourceId)!;
    if (gone.sponsor) {
      const s = state.getAccount(gone.sponsor)!;
      state.putAccount({ ...s, numSponsoring: s.numSponsoring - 2 });
    }
    state.deleteAccount(ctx.sourceId);

    const amount = { amount: amountString(balance), ...assetDetails(NATIVE) };
    ctx.effect(effect('account_debited', ctx.sourceId, amount));
    ctx.effect(effect('account_credited', destId, amount));
    ctx.effect(effect('account_removed', ctx.sourceId));
    if (gone.sponsor) ctx.effect(sponsorshipEffect('account', 'removed', ctx.sourceId, {}, gone.sponsor, null));
    return {
      code: 'op_success',
      result: innerResult('accountMerge', xdr.AccountMergeResult.accountMergeSuccess(int64(balance))),
      details: d,
    };
  },
};
