/**
 * The governing body's Clearing Central operations: connect a hosted community to a
 * Clearing Central (its NID and password there, the addresses it calls from; the hub
 * answers with the data_url to register), admit the CES exchanges behind it as `ces`
 * mirror communities (limits in HOUR, rate 1/conv_rate), and see the exchanges whose
 * bills were refused because nobody admitted them.
 */
import { Community, ExchangeService, audit, formatAmount, isCommunityError, parseAmount } from '../../src/core';
import { GovernanceDeps, HttpError, Operation, communityFailure, operation, requireCommunity, requireParty } from '../../src/governance';
import { BillRefusal, CcBill, OutgoingService } from './outgoing';
import { checkEntry } from './allowlist';
import { PREFIX } from './routes';
import * as S from './schemas/governance';
import { CcConnection, CcStore, CesExchange, newPathSecret, pathHash } from './store';
import { convRateToRate } from './translate';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function ccOperations(deps: GovernanceDeps & { exchanges: ExchangeService; store: CcStore; outgoing: OutgoingService; publicUrl(): string }): Operation[] {
  const { store, exchanges, communities, outgoing } = deps;

  const dataUrl = async (c: Community) => `${deps.publicUrl().replace(/\/+$/, '')}${PREFIX}/${c.code}/${await store.pathSecret(c.id)}`;

  const connectionView = async (c: Community, conn: CcConnection) => ({
    community: c.code, nid: conn.nid, baseUrl: conn.baseUrl, ips: conn.allowedIps, acceptBills: conn.acceptBills,
    dataUrl: await dataUrl(c), requestFormat: 'post', responseFormat: 'post', createdAt: iso(conn.createdAt)!,
  });

  const requireConnection = async (code: string) => {
    const c = await requireCommunity(deps, code);
    const conn = await store.connection(c.id);
    if (!conn) throw new HttpError(404, 'not_connected', `${code} is not connected to a Clearing Central: connect it first`, 'code');
    return { c, conn };
  };

  const exchangeView = async (c: Community, ex: CesExchange) => {
    const mirror = await exchanges.get(c.id);
    if (!mirror) throw new Error(`CES exchange ${c.code} has no mirror record`);
    return {
      code: c.code, nid: ex.nid, name: ex.name, country: ex.country, convRate: ex.convRate, rate: { n: c.rateN, d: c.rateD },
      status: c.status, creditLimit: formatAmount(mirror.creditLimitHour), maxBalance: formatAmount(mirror.maxBalanceHour),
      firstTradeAt: iso(mirror.firstTradeAt), createdAt: iso(ex.createdAt)!,
    };
  };

  const hosted = async () => (await communities.list()).filter((c) => c.kind === 'hosted');

  const billView = async (b: CcBill) => {
    const c = await communities.getById(b.communityId);
    const a = await deps.accounts.getById(b.communityId, b.sellerAccountId);
    const buyer = await store.exchangeByCommunity(b.buyerCommunityId);
    return {
      txid: b.txid, seller: `${isCommunityError(c) ? '?' : c.code}/${typeof a === 'string' ? '?' : a.code}`, buyerNid: buyer?.nid ?? '?', buyerId: b.buyerId,
      amount: formatAmount(b.amount), description: b.description, state: b.state, code: b.code, message: b.message,
      transferId: b.transferId, attempts: b.attempts, createdAt: iso(b.createdAt)!, updatedAt: iso(b.updatedAt)!,
    };
  };

  /** A bill by txid, in whichever connected community sent it (txids are unique hub-wide). */
  const findBill = async (txid: string) => {
    for (const c of await hosted()) {
      if (!(await store.connection(c.id))) continue;
      const b = await outgoing.get(c.id, txid);
      if (b) return b;
    }
    throw new HttpError(404, 'unknown_bill', `no bill with txid ${txid}`, 'txid');
  };

  const refusal = (e: unknown): never => {
    if (e instanceof BillRefusal) throw new HttpError(422, e.reason === 'blocked' ? 'blocked' : 'refused_here', e.message);
    throw e;
  };

  return [
    operation({
      id: 'ccSendBill', method: 'post', path: '/clearing-central/bills', tag: 'clearing-central',
      summary: 'A member here bills a CES member through Clearing Central; once it accepts, the CES exchange\'s mirror pays the member',
      description: 'Clearing Central is seller-initiated: a member here can bill a CES member, never pay one directly. 201: paid. 202: no definite answer from Clearing Central — the bill is "unknown" (neither paid nor failed) until resolved. 422: refused (by the payment here before anything was sent, or by Clearing Central / the CES exchange, with its code).',
      body: S.SendBill,
      responses: { 201: { description: 'paid', schema: S.Bill }, 202: { description: 'unknown at Clearing Central, or accepted and still settling here', schema: S.Bill } },
      errors: [400, 401, 404, 422, 503],
      async handle({ body, actor }) {
        const seller = await requireParty(deps, body.seller, 'seller');
        const conn = await store.connection(seller.community.id);
        if (!conn) throw new HttpError(404, 'not_connected', `${seller.community.code} is not connected to a Clearing Central`, 'seller');
        if (seller.account.kind !== 'member') throw new HttpError(400, 'invalid_request', 'only a member can bill', 'seller');
        const buyer = await store.exchangeByNid(body.buyerNid);
        if (!buyer) throw new HttpError(404, 'unknown_exchange', `${body.buyerNid} is not an admitted CES exchange: admit it first`, 'buyerNid');
        const b = await outgoing.send({
          seller, conn, buyer, buyerId: body.buyerId, amount: parseAmount(body.amount) as bigint, description: body.description,
        }, actor).catch(refusal);
        if (b.state === 'refused') throw new HttpError(422, `clearing_central_${b.code ?? 0}`, `Clearing Central refused the bill (${b.code}: ${b.message}); txid ${b.txid}`);
        return { status: b.state === 'paid' ? 201 : 202, body: await billView(b), headers: { Location: `/governance/v1/clearing-central/bills/${b.txid}` } };
      },
    }),
    operation({
      id: 'ccListBills', method: 'get', path: '/clearing-central/bills', tag: 'clearing-central',
      summary: 'Bills sent to CES members, newest first; ?state=unknown lists what reconciliation must resolve',
      query: S.BillQuery,
      responses: { 200: { description: 'the bills', schema: S.BillList } },
      errors: [400, 401, 503],
      async handle({ query }) {
        const out = [];
        for (const c of await hosted()) {
          if (!(await store.connection(c.id))) continue;
          for (const b of await outgoing.list(c.id, query.state)) out.push(await billView(b));
        }
        return { status: 200, body: { bills: out } };
      },
    }),
    operation({
      id: 'ccGetBill', method: 'get', path: '/clearing-central/bills/{txid}', tag: 'clearing-central',
      summary: 'One bill sent to a CES member',
      responses: { 200: { description: 'the bill', schema: S.Bill } },
      errors: [401, 404, 503],
      async handle({ params }) {
        return { status: 200, body: await billView(await findBill(params.txid)) };
      },
    }),
    operation({
      id: 'ccResolveBill', method: 'post', path: '/clearing-central/bills/{txid}/resolve', tag: 'clearing-central',
      summary: 'Resolve a bill unknown at Clearing Central: ask again with the same txid, or record what Clearing Central said became of it',
      body: S.Resolve,
      responses: { 200: { description: 'the bill as it is now', schema: S.Bill } },
      errors: [400, 401, 404, 422, 503],
      async handle({ params, body, actor }) {
        const found = await findBill(params.txid);
        const b = await outgoing.resolve(found.communityId, found.txid, body.outcome, actor).catch(refusal);
        return { status: 200, body: await billView(b ?? found) };
      },
    }),
    operation({
      id: 'ccConnect', method: 'post', path: '/clearing-central/connections', tag: 'clearing-central',
      summary: 'Connect a hosted community to a Clearing Central: its NID, password and the addresses Clearing Central calls from',
      description: 'Answers with the data_url to register at Clearing Central (request_format and response_format post). Its last path segment is an unguessable secret: forwarded bills carry none of their own.',
      body: S.Connect,
      responses: { 201: { description: 'the connection', schema: S.Connection } },
      errors: [400, 401, 404, 409, 503],
      async handle({ body, actor }) {
        const c = await requireCommunity(deps, body.community, 'community');
        if (c.kind !== 'hosted') throw new HttpError(400, 'invalid_request', `${c.code} is not a hosted community: only communities whose members are here can be registered at Clearing Central`, 'community');
        for (const ip of body.ips) {
          const bad = checkEntry(ip);
          if (bad) throw new HttpError(400, 'invalid_request', bad, 'ips');
        }
        if (await store.connection(c.id)) throw new HttpError(409, 'already_connected', `${c.code} is already connected to a Clearing Central`, 'community');
        const taken = (await store.connections((await hosted()).map((x) => x.id))).some((x) => x.nid === body.nid);
        if (taken || await store.exchangeByNid(body.nid)) throw new HttpError(409, 'duplicate_nid', `${body.nid} is already used on this hub`, 'nid');
        const secret = newPathSecret();
        const conn = await deps.db.community(c.id, async (trx) => {
          const row = await CcConnection.query(trx).insertAndFetch({
            communityId: c.id, baseUrl: body.baseUrl.replace(/\/+$/, ''), nid: body.nid, allowedIps: body.ips,
            pathHash: pathHash(secret), acceptBills: body.acceptBills ?? true,
          });
          await store.sealSecrets(trx, c.id, { password: body.password, path: secret });
          return row;
        });
        await deps.db.hub((trx) => audit(trx, {
          actor, action: 'clearing-central.connect', subject: `community:${c.code}`,
          after: { baseUrl: conn.baseUrl, nid: conn.nid, ips: conn.allowedIps, acceptBills: conn.acceptBills },
        }));
        store.invalidate();
        return { status: 201, body: await connectionView(c, conn), headers: { Location: `/governance/v1/clearing-central/connections/${c.code}` } };
      },
    }),
    operation({
      id: 'ccListConnections', method: 'get', path: '/clearing-central/connections', tag: 'clearing-central',
      summary: 'Every community connected to a Clearing Central, with its data_url',
      responses: { 200: { description: 'the connections', schema: S.ConnectionList } },
      errors: [401, 503],
      async handle() {
        const out = [];
        for (const c of await hosted()) {
          const conn = await store.connection(c.id);
          if (conn) out.push(await connectionView(c, conn));
        }
        return { status: 200, body: { connections: out } };
      },
    }),
    operation({
      id: 'ccGetConnection', method: 'get', path: '/clearing-central/connections/{code}', tag: 'clearing-central',
      summary: 'One community\'s Clearing Central connection',
      responses: { 200: { description: 'the connection', schema: S.Connection } },
      errors: [401, 404, 503],
      async handle({ params }) {
        const { c, conn } = await requireConnection(params.code);
        return { status: 200, body: await connectionView(c, conn) };
      },
    }),
    operation({
      id: 'ccSetAcceptBills', method: 'put', path: '/clearing-central/connections/{code}/accept-bills', tag: 'clearing-central',
      summary: 'Pay bills forwarded by Clearing Central automatically (true) or refuse them with 4 (false)',
      body: S.SetAcceptBills,
      responses: { 200: { description: 'the connection', schema: S.Connection } },
      errors: [400, 401, 404, 503],
      async handle({ params, body, actor }) {
        const { c, conn } = await requireConnection(params.code);
        const updated = await deps.db.community(c.id, async (trx) => CcConnection.query(trx).patchAndFetchById(c.id, { acceptBills: body.acceptBills, updatedAt: new Date() }));
        await deps.db.hub((trx) => audit(trx, { actor, action: 'clearing-central.accept-bills', subject: `community:${c.code}`, before: { acceptBills: conn.acceptBills }, after: { acceptBills: body.acceptBills } }));
        store.invalidate();
        return { status: 200, body: await connectionView(c, updated) };
      },
    }),
    operation({
      id: 'ccAdmitExchange', method: 'post', path: '/clearing-central/exchanges', tag: 'clearing-central',
      summary: 'Admit a CES exchange behind Clearing Central: its `ces` mirror community, import-export account and limits',
      description: 'Credit lines between it and the hub\'s communities are set like any other community\'s (PUT /communities/{code}/credit-lines/{peer}).',
      body: S.Admit,
      responses: { 201: { description: 'the exchange', schema: S.CesExchange } },
      errors: [400, 401, 409, 503],
      async handle({ body, actor }) {
        const rate = convRateToRate(body.convRate);
        if (!rate) throw new HttpError(400, 'invalid_request', 'convRate cannot be a ledger rate: give a positive number of units per hour, at most 7 decimals, whose inverse is a fraction of 32-bit integers', 'convRate');
        if (await store.exchangeByNid(body.nid)) throw new HttpError(409, 'duplicate_exchange', `${body.nid} is already admitted`, 'nid');
        const connected = await store.connections((await hosted()).map((x) => x.id));
        if (connected.some((x) => x.nid === body.nid)) throw new HttpError(409, 'duplicate_nid', `${body.nid} is the NID of a community of this hub`, 'nid');
        let ex: CesExchange | null = null;
        const c = await exchanges.create({
          code: body.code, name: body.name, kind: 'ces', rate,
          creditLimitHour: parseAmount(body.creditLimit, { allowZero: true }) as bigint,
          maxBalanceHour: parseAmount(body.maxBalance, { allowZero: true }) as bigint,
          async alsoWrite(trx, created) {
            ex = await CesExchange.query(trx).insertAndFetch({ communityId: created.id, nid: body.nid, name: body.name, country: body.country, convRate: body.convRate });
            await audit(trx, { actor, action: 'clearing-central.admit', subject: `exchange:${created.code}`, after: { ...body } });
          },
        }, actor);
        if (isCommunityError(c)) throw communityFailure(c);
        if (!ex) throw new Error(`CES exchange ${c.code} was created without its registry row`);
        for (const conn of connected) await deps.db.community(conn.communityId, (trx) => store.clearPending(trx, body.nid));
        store.invalidate();
        return { status: 201, body: await exchangeView(c, ex), headers: { Location: `/governance/v1/clearing-central/exchanges/${c.code}` } };
      },
    }),
    operation({
      id: 'ccListExchanges', method: 'get', path: '/clearing-central/exchanges', tag: 'clearing-central',
      summary: 'Every CES exchange admitted',
      responses: { 200: { description: 'the exchanges', schema: S.CesExchangeList } },
      errors: [401, 503],
      async handle() {
        const byId = new Map((await communities.list()).map((c) => [c.id, c]));
        const out = [];
        for (const ex of await store.exchanges()) {
          const c = byId.get(ex.communityId);
          if (c) out.push(await exchangeView(c, ex));
        }
        return { status: 200, body: { exchanges: out } };
      },
    }),
    operation({
      id: 'ccListPending', method: 'get', path: '/clearing-central/pending', tag: 'clearing-central',
      summary: 'CES exchanges whose bills were refused (4) because nobody admitted them, newest first',
      responses: { 200: { description: 'the pending admissions', schema: S.PendingList } },
      errors: [401, 503],
      async handle() {
        const out = [];
        for (const c of await hosted()) {
          if (!(await store.connection(c.id))) continue;
          for (const p of await store.pending(c.id)) {
            out.push({ community: c.code, nid: p.nid, name: p.name, country: p.country, requests: p.requests, firstSeenAt: iso(p.firstSeenAt)!, lastSeenAt: iso(p.lastSeenAt)! });
          }
        }
        return { status: 200, body: { pending: out } };
      },
    }),
  ];
}
