/**
 * createAccount, after stellar-core's CreateAccountOpFrame (protocol ≥ 14):
 * MALFORMED (negative, self) → ALREADY_EXIST → reserve (sponsor's, or the starting
 * balance's own) → UNDERFUNDED. A sponsored account may start with 0.
 */
import { xdr } from '@stellar/stellar-sdk';
import { NATIVE } from '../state/entries';
import { availableNative } from '../state/balances';
import { sponsorNewAccount } from '../state/sponsorship';
import { OpContext, OpFrame } from './types';
import { accountIdOfKey, amountString, assetDetails } from './dex-format';
import { effect, sponsorshipEffect, sponsorshipFailure, voidResults } from './support';

const out = voidResults('createAccount', xdr.CreateAccountResult, {
  createAccountSuccess: 'op_success',
  createAccountMalformed: 'op_malformed',
  createAccountUnderfunded: 'op_underfunded',
  createAccountLowReserve: 'op_low_reserve',
  createAccountAlreadyExist: 'op_already_exists',
});

function details(body: xdr.CreateAccountOp, ctx: OpContext): Record<string, unknown> {
  return {
    starting_balance: amountString(body.startingBalance().toBigInt()),
    funder: ctx.sourceId,
    account: accountIdOfKey(body.destination().ed25519()),
  };
}

export const frame: OpFrame<xdr.CreateAccountOp> = {
  type: 'createAccount',
  threshold: () => 'medium',

  checkValid(body, ctx) {
    if (body.startingBalance().toBigInt() < 0n) return out('createAccountMalformed', details(body, ctx));
    if (accountIdOfKey(body.destination().ed25519()) === ctx.sourceId) {
      return out('createAccountMalformed', details(body, ctx));
    }
    return null;
  },

  apply(body, ctx) {
    const { state, header } = ctx;
    const d = details(body, ctx);
    const destId = d.account as string;
    const startingBalance = body.startingBalance().toBigInt();
    if (state.getAccount(destId)) return out('createAccountAlreadyExist', d);

    const sp = sponsorNewAccount(state, header.baseReserve, destId);
    if (sp.result !== 'success') return sponsorshipFailure(sp.result, () => out('createAccountLowReserve', d), d);
    if (!sp.sponsor && startingBalance < 2n * header.baseReserve) return out('createAccountLowReserve', d);

    const source = state.getAccount(ctx.sourceId)!;
    if (availableNative(source, header.baseReserve) < startingBalance) return out('createAccountUnderfunded', d);
    state.putAccount({ ...source, balance: source.balance - startingBalance });
    state.putAccount({
      accountId: destId,
      balance: startingBalance,
      seqNum: BigInt(header.seq) << 32n,
      seqLedger: 0,
      seqTime: 0n,
      numSubEntries: 0,
      inflationDest: null,
      flags: 0,
      homeDomain: '',
      thresholds: [1, 0, 0, 0],
      signers: [],
      buyingLiabilities: 0n,
      sellingLiabilities: 0n,
      numSponsored: sp.sponsor ? 2 : 0,
      numSponsoring: 0,
      sponsor: sp.sponsor,
    });

    ctx.effect(effect('account_created', destId, { starting_balance: d.starting_balance }));
    ctx.effect(effect('account_debited', ctx.sourceId, { amount: d.starting_balance, ...assetDetails(NATIVE) }));
    ctx.effect(effect('signer_created', destId, { public_key: destId, weight: 1, key: '' }));
    if (sp.sponsor) ctx.effect(sponsorshipEffect('account', 'created', destId, {}, null, sp.sponsor));
    return out('createAccountSuccess', d);
  },
};
