/**
 * Who pays the reserve of a new ledger entry (stellar-core's SponsorshipUtils).
 *
 * An entry is either paid for by its owner (one more subentry on the owner's
 * minimum balance) or, while a begin/endSponsoringFutureReserves sandwich is open
 * for the owner, by the sponsor (numSponsoring on the sponsor, numSponsored on the
 * owner). Account entries count twice (base reserve of 2), everything else once.
 */
import { AccountId, MAX_SUBENTRIES } from './entries';
import { LedgerState } from './ledger-state';
import { availableNative } from './balances';

export type SponsorshipResult =
  | 'success' | 'low_reserve' | 'too_many_subentries' | 'too_many_sponsoring' | 'too_many_sponsored';

const UINT32_MAX = 0xffffffff;

/** A subentry (trustline, offer, data entry, signer) owned by an existing account. */
export function createSubentry(
  state: LedgerState, baseReserve: bigint, ownerId: AccountId,
): { result: SponsorshipResult; sponsor: AccountId | null } {
  const owner = state.getAccount(ownerId)!;
  if (owner.numSubEntries + 1 > MAX_SUBENTRIES) return { result: 'too_many_subentries', sponsor: null };
  const sponsorId = state.sponsorOf(ownerId);
  if (!sponsorId) {
    if (availableNative(owner, baseReserve) < baseReserve) return { result: 'low_reserve', sponsor: null };
    state.putAccount({ ...owner, numSubEntries: owner.numSubEntries + 1 });
    return { result: 'success', sponsor: null };
  }
  const check = canSponsor(state, baseReserve, sponsorId, 1, owner.numSponsored);
  if (check !== 'success') return { result: check, sponsor: null };
  const sponsor = state.getAccount(sponsorId)!;
  state.putAccount({ ...sponsor, numSponsoring: sponsor.numSponsoring + 1 });
  const o = state.getAccount(ownerId)!;
  state.putAccount({ ...o, numSubEntries: o.numSubEntries + 1, numSponsored: o.numSponsored + 1 });
  return { result: 'success', sponsor: sponsorId };
}

/** Release a subentry's reserve from its owner and, if sponsored, its sponsor. */
export function removeSubentry(state: LedgerState, ownerId: AccountId, sponsorId: AccountId | null): void {
  const owner = state.getAccount(ownerId)!;
  state.putAccount({
    ...owner,
    numSubEntries: owner.numSubEntries - 1,
    numSponsored: owner.numSponsored - (sponsorId ? 1 : 0),
  });
  if (sponsorId) {
    const s = state.getAccount(sponsorId)!;
    state.putAccount({ ...s, numSponsoring: s.numSponsoring - 1 });
  }
}

/**
 * Sponsorship of a new account's own base reserve (2 × base reserve). Returns the
 * sponsor (already charged with numSponsoring += 2) or null when nobody sponsors the
 * new account, in which case createAccount checks the starting balance itself.
 */
export function sponsorNewAccount(
  state: LedgerState, baseReserve: bigint, newAccountId: AccountId,
): { result: SponsorshipResult; sponsor: AccountId | null } {
  const sponsorId = state.sponsorOf(newAccountId);
  if (!sponsorId) return { result: 'success', sponsor: null };
  const check = canSponsor(state, baseReserve, sponsorId, 2, 0);
  if (check !== 'success') return { result: check, sponsor: null };
  const sponsor = state.getAccount(sponsorId)!;
  state.putAccount({ ...sponsor, numSponsoring: sponsor.numSponsoring + 2 });
  return { result: 'success', sponsor: sponsorId };
}

/** Can `sponsorId` take on `mult` more reserves (for an owner already sponsored `sponsoredCount` times)? */
export function canSponsor(
  state: LedgerState, baseReserve: bigint, sponsorId: AccountId, mult: number, sponsoredCount: number,
): SponsorshipResult {
  const sponsor = state.getAccount(sponsorId)!;
  if (sponsor.numSponsoring > UINT32_MAX - mult) return 'too_many_sponsoring';
  if (sponsoredCount > UINT32_MAX - mult) return 'too_many_sponsored';
  if (availableNative(sponsor, baseReserve) < BigInt(mult) * baseReserve) return 'low_reserve';
  return 'success';
}
