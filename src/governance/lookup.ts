/** Finding what a request names, or answering 404 naming the field that named it. */
import { isAccountError } from '../core/accounts/errors';
import { Account } from '../core/accounts/model';
import { isCommunityError } from '../core/communities/errors';
import { Community } from '../core/communities/model';
import { HttpError } from '../http/errors';
import { accountFailure, communityFailure } from './errors';
import { GovernanceDeps } from './operation';

export async function requireCommunity(deps: GovernanceDeps, code: string, field = 'code'): Promise<Community> {
  const c = await deps.communities.getByCode(code);
  if (isCommunityError(c)) throw communityFailure(c, field);
  return c;
}

export async function requireAccount(deps: GovernanceDeps, community: Community, code: string, field = 'account'): Promise<Account> {
  const a = await deps.accounts.get(community, code);
  if (isAccountError(a)) throw accountFailure(a, field);
  return a;
}

/** "GRN1/GRN10001" (already checked against the schema's pattern) → community and account. */
export async function requireParty(deps: GovernanceDeps, ref: string, field: string): Promise<{ community: Community; account: Account }> {
  const [communityCode, accountCode] = ref.split('/');
  const c = await deps.communities.getByCode(communityCode);
  if (isCommunityError(c)) throw new HttpError(404, 'unknown_community', `${field}: no community with code ${communityCode}`, field);
  const a = await deps.accounts.get(c, accountCode);
  if (isAccountError(a)) throw new HttpError(404, 'unknown_account', `${field}: no account ${accountCode} in community ${communityCode}`, field);
  return { community: c, account: a };
}
