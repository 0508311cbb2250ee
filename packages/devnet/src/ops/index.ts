/**
 * Registry of operation frames by xdr.OperationBody arm name. Operations missing
 * here (liquidity pools, claimable balances, Soroban, inflation) answer
 * op_not_supported.
 */
import { OpFrame } from './types';
import { frame as createAccount } from './create-account';
import { frame as payment } from './payment';
import { frame as pathPaymentStrictReceive } from './path-payment-strict-receive';
import { frame as pathPaymentStrictSend } from './path-payment-strict-send';
import { frame as manageSellOffer } from './manage-sell-offer';
import { frame as manageBuyOffer } from './manage-buy-offer';
import { frame as createPassiveSellOffer } from './create-passive-sell-offer';
import { frame as changeTrust } from './change-trust';
import { frame as allowTrust } from './allow-trust';
import { frame as setTrustLineFlags } from './set-trust-line-flags';
import { frame as setOptions } from './set-options';
import { frame as beginSponsoringFutureReserves } from './begin-sponsoring-future-reserves';
import { frame as endSponsoringFutureReserves } from './end-sponsoring-future-reserves';
import { frame as revokeSponsorship } from './revoke-sponsorship';
import { frame as accountMerge } from './account-merge';
import { frame as manageData } from './manage-data';
import { frame as bumpSequence } from './bump-sequence';
import { frame as clawback } from './clawback';

const frames: Array<OpFrame<never>> = [
  createAccount, payment, pathPaymentStrictReceive, pathPaymentStrictSend,
  manageSellOffer, manageBuyOffer, createPassiveSellOffer,
  changeTrust, allowTrust, setTrustLineFlags, setOptions, beginSponsoringFutureReserves,
  endSponsoringFutureReserves, revokeSponsorship, accountMerge, manageData, bumpSequence, clawback,
];

export const opFrames: Readonly<Record<string, OpFrame<unknown> | undefined>> = Object.fromEntries(
  frames.map((f) => [f.type, f as unknown as OpFrame<unknown>]),
);
