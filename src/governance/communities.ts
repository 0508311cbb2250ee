/** Communities: create, list, read, set the rate, block and unblock. */
import { CommunityError, isCommunityError } from '../core/communities/errors';
import { Community } from '../core/communities/model';
import { HttpError } from '../http/errors';
import { communityFailure } from './errors';
import { requireCommunity } from './lookup';
import { GovernanceDeps, Operation, operation } from './operation';
import { Rate } from './schemas/common';
import { visible } from './access';
import * as S from './schemas/communities';
import { communityView } from './views';

const done = (c: Community | CommunityError) => {
  if (isCommunityError(c)) throw communityFailure(c);
  return { status: 200, body: communityView(c) };
};

export function communityOperations(deps: GovernanceDeps): Operation[] {
  const { mirrorKinds } = deps.communities;
  return [
    operation({
      id: 'listCommunities', method: 'get', path: '/communities', tag: 'communities',
      access: { right: 'read', scope: 'visible' },
      summary: 'List the communities of the hub the token may see (all, or its own), by code',
      responses: { 200: { description: 'the communities', schema: S.CommunityList } },
      errors: [401, 503],
      async handle({ principal }) {
        const all = await deps.communities.list();
        return { status: 200, body: { communities: all.filter((c) => visible(principal, c.code)).map(communityView) } };
      },
    }),
    operation({
      id: 'createCommunity', method: 'post', path: '/communities', tag: 'communities',
      access: { right: 'write', scope: 'hub' },
      summary: 'Create a community and its currency on the ledger',
      description: 'Answers once the currency exists on the ledger (ledgerStatus "ready").',
      body: S.createCommunitySchema(mirrorKinds),
      responses: { 201: { description: 'the community, ready to trade', schema: S.Community } },
      errors: [400, 401, 409, 503],
      async handle({ body, actor }) {
        if (body.importExport && body.kind === 'hosted') {
          throw new HttpError(400, 'invalid_request', `importExport is only for ${mirrorKinds.join(' and ')} communities (a hosted community has members instead)`, 'importExport');
        }
        const c = await deps.communities.create({ ...body }, actor);
        if (isCommunityError(c)) throw communityFailure(c);
        return { status: 201, body: communityView(c), headers: { Location: `/governance/v1/communities/${c.code}` } };
      },
    }),
    operation({
      id: 'getCommunity', method: 'get', path: '/communities/{code}', tag: 'communities',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'A community: rate, status, settings and the public keys of its ledger accounts',
      responses: { 200: { description: 'the community', schema: S.Community } },
      errors: [401, 404, 503],
      async handle({ params }) {
        return { status: 200, body: communityView(await requireCommunity(deps, params.code)) };
      },
    }),
    operation({
      id: 'setRate', method: 'put', path: '/communities/{code}/rate', tag: 'communities',
      access: { right: 'write', community: { param: 'code' } },
      summary: 'Set the value of one unit in HOUR (n/d); the ledger follows before the answer: the trustline limits of the credit lines the community grants, its offers, and a mirrored exchange\'s limits (kept the same in HOUR)',
      body: Rate,
      responses: { 200: { description: 'the community at its new rate', schema: S.Community } },
      errors: [400, 401, 404, 422, 503],
      async handle({ params, body, actor }) {
        return done(await deps.rates.change(params.code, { n: body.n, d: body.d }, actor));
      },
    }),
    operation({
      id: 'setStatus', method: 'put', path: '/communities/{code}/status', tag: 'communities',
      access: { right: 'write', community: { param: 'code' } },
      summary: 'Block or unblock a community (a blocked community neither pays nor is paid)',
      body: S.SetStatus,
      responses: { 200: { description: 'the community', schema: S.Community } },
      errors: [400, 401, 404, 503],
      async handle({ params, body, actor }) {
        return done(await deps.communities.setStatus(params.code, body.status, actor));
      },
    }),
  ];
}
