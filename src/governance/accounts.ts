/** Members (and import-export accounts): create, list, read with balance, set limits. */
import { isAccountError } from '../core/accounts/errors';
import { accountFailure } from './errors';
import { requireAccount, requireCommunity } from './lookup';
import { GovernanceDeps, Operation, operation } from './operation';
import * as S from './schemas/accounts';
import { accountView } from './views';

export function accountOperations(deps: GovernanceDeps): Operation[] {
  return [
    operation({
      id: 'listAccounts', method: 'get', path: '/communities/{code}/accounts', tag: 'accounts',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'List the accounts of a community, by code',
      responses: { 200: { description: 'the accounts (without balances; read one account for its balance)', schema: S.AccountList } },
      errors: [401, 404, 503],
      async handle({ params }) {
        const c = await requireCommunity(deps, params.code);
        return { status: 200, body: { accounts: (await deps.accounts.list(c)).map((a) => accountView(c, a)) } };
      },
    }),
    operation({
      id: 'createAccount', method: 'post', path: '/communities/{code}/accounts', tag: 'accounts',
      access: { right: 'write', community: { param: 'code' } },
      summary: 'Create a member account, on the ledger too',
      body: S.CreateAccount,
      responses: { 201: { description: 'the new account', schema: S.Account } },
      errors: [400, 401, 404, 409, 503],
      async handle({ params, body, actor }) {
        const c = await requireCommunity(deps, params.code);
        const a = await deps.accounts.create(c, { code: body.code, creditLimit: body.creditLimit, maxBalance: body.maxBalance }, actor);
        if (isAccountError(a)) throw accountFailure(a);
        return { status: 201, body: accountView(c, a), headers: { Location: `/governance/v1/communities/${c.code}/accounts/${a.code}` } };
      },
    }),
    operation({
      id: 'getAccount', method: 'get', path: '/communities/{code}/accounts/{account}', tag: 'accounts',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'An account with its balance as users see it (negative = in debt)',
      responses: { 200: { description: 'the account', schema: S.Account } },
      errors: [401, 404, 503],
      async handle({ params }) {
        const c = await requireCommunity(deps, params.code);
        const a = await requireAccount(deps, c, params.account);
        return { status: 200, body: accountView(c, a, await deps.accounts.balance(c, a)) };
      },
    }),
    operation({
      id: 'setAccountLimits', method: 'put', path: '/communities/{code}/accounts/{account}/limits', tag: 'accounts',
      access: { right: 'write', community: { param: 'code' } },
      summary: 'Change an account\'s credit limit and/or maximum balance',
      body: S.SetLimits,
      responses: { 200: { description: 'the account with its new limits', schema: S.Account } },
      errors: [400, 401, 404, 422, 503],
      async handle({ params, body, actor }) {
        const c = await requireCommunity(deps, params.code);
        await requireAccount(deps, c, params.account);
        const a = await deps.accounts.setLimits(c, params.account, { creditLimit: body.creditLimit, maxBalance: body.maxBalance }, actor);
        if (isAccountError(a)) throw accountFailure(a);
        return { status: 200, body: accountView(c, a, await deps.accounts.balance(c, a)) };
      },
    }),
  ];
}
