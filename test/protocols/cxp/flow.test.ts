import assert from 'node:assert/strict';
import { TestHub, startGovernanceHub, token } from '../../governance/api';
import { CxpClient, FakeExchange, approveExchange, cxpClient, handshakeBody, importExportBalance, startFakeExchange, until } from './helpers';

describe('CXP: approve → handshake → try → relay', function () {
  this.timeout(120000);
  const admin = token();
  let h: TestHub;
  let remote: FakeExchange;
  let a: CxpClient;
  const A_SITE = 'lets-a.example/town';

  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `admin:${admin}` }, admin);
    remote = await startFakeExchange();
    const A = await approveExchange(h, { code: 'LETA', name: 'Town LETS', uri: `https://${A_SITE}`, ticks: '1', creditLimit: '100', maxBalance: '100' });
    const B = await approveExchange(h, { code: 'LETB', name: 'Swap Circle', uri: remote.uri, ticks: '60', creditLimit: '100', maxBalance: '100' });
    remote.creds = B.creds;
    a = cxpClient(h.hub.url, A.creds);
    // B accepts up to 6000 of its units (100 HOUR) of A's HOUR.
    assert.equal((await h.call('PUT', '/communities/LETB/credit-lines/LETA', { body: { limit: '6000' } })).status, 200);
  });
  after(async () => {
    await remote?.stop();
    await h?.close();
  });

  const tryBody = (extra: Record<string, unknown> = {}) => ({
    payer: 'ann@lets-a.example', payer_url: `${A_SITE}/user/3`, payee: 'bob@swap.example', payee_url: `${remote.uri}/user/9`,
    src_url: A_SITE, dest_url: remote.uri, quantity: 1.5, description: 'two jars of honey', really: true, temp_id: 'tx-1', ...extra,
  });

  it('answers an approved exchange\'s handshake with its status and limits, signed', async () => {
    const r = await a.handshake(handshakeBody(A_SITE));
    assert.equal(r.status, 200, r.text);
    assert.ok(r.verified, 'Server-Authorization verifies');
    assert.deepEqual({ ...r.body, message: undefined }, { message: undefined, status: 1, balance: 0, min: -100, max: 100, count: 0, keymatch: true });
    const ex = await h.call('GET', '/exchanges/LETA');
    assert.equal(ex.body.declared.mail, 'admin@lets.example');
    assert.equal(ex.body.authentication, 'hawk');
  });

  it('lists the other exchanges', async () => {
    const r = await a.clients();
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body['127.0.0.1:' + remote.port + '/lets'], 'Swap Circle');
    assert.equal(r.body['lets-a.example/town'], undefined);
  });

  it('two phases: really=false quotes and asks the remote, changing nothing; really=true pays once and relays', async () => {
    const quote = await a.try(tryBody({ really: false, temp_id: 'tx-1' }));
    assert.equal(quote.status, 200, quote.text);
    assert.equal(quote.body.code, 'OK');
    assert.equal(quote.body.state, 'quoted');
    assert.equal(remote.received.length, 1);
    assert.equal(remote.received[0].really, false);
    assert.equal(await importExportBalance(h, 'LETA'), '0.0000000');

    const paid = await a.try(tryBody());
    assert.equal(paid.status, 200, paid.text);
    assert.ok(paid.verified);
    assert.deepEqual({ code: paid.body.code, quantity: paid.body.quantity, state: paid.body.state }, { code: 'OK', quantity: 1.5, state: 'delivered' });
    assert.equal(remote.written.size, 1);
    assert.equal(remote.written.get('tx-1')!.quantity, 1.5);
    // A paid 1.5 of its units (1 unit = 1 HOUR); B received 1.5 HOUR = 90 of its units (60 per HOUR).
    assert.equal(await importExportBalance(h, 'LETA'), '-1.5000000');
    assert.equal(await importExportBalance(h, 'LETB'), '90.0000000');

    const again = await a.try(tryBody());
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.state, 'delivered');
    assert.equal(await importExportBalance(h, 'LETA'), '-1.5000000');
    assert.equal(remote.written.size, 1);

    const changed = await a.try(tryBody({ quantity: 2 }));
    assert.equal(changed.status, 400);
    assert.equal(changed.body.code, 8);
    assert.equal(changed.body.args['@field'], 'temp_id');
    assert.equal(await importExportBalance(h, 'LETA'), '-1.5000000');

    const hs = await a.handshake(handshakeBody(A_SITE));
    assert.deepEqual([hs.body.balance, hs.body.count], [-1.5, 1]);
  });

  it('prepare: a matching balance gets the limits; a mismatch is recorded and answered with code 7', async () => {
    const ok = await a.prepare({ volume: 10, integrity: 1, balance: 1.5 });
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.verified);
    assert.equal(ok.body.spend_limit, 98.5);
    assert.ok(ok.body.earn_limit >= 0);
    const bad = await a.prepare({ volume: 10, integrity: 1, balance: 7 });
    assert.equal(bad.status, 409);
    assert.equal(bad.body.code, 7);
    assert.match(bad.body.args['@message'], /mismatch/);
    const m = await h.call('GET', '/exchanges/LETA/mismatches');
    assert.equal(m.body.mismatches.length, 1);
    assert.equal(m.body.mismatches[0].declared, '7.0000000');
    assert.equal(m.body.mismatches[0].hub, '-1.5000000');
  });

  it('ticks are locked after the first trade, unless the governing body changes them', async () => {
    const r = await a.handshake(handshakeBody(A_SITE, { ticks: 60 }));
    assert.equal(r.status, 200);
    assert.match(r.body.message, /locked/);
    assert.equal((await h.call('GET', '/communities/LETA')).body.rate.d, 1);
    const set = await h.call('PUT', '/exchanges/LETA/ticks', { body: { ticks: '2' } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.rate, { n: 1, d: 2 });
    assert.equal(set.body.ticksLocked, true);
  });

  it('pays a member of a community hosted on the hub, without a relay', async () => {
    assert.equal((await h.call('POST', '/communities', { body: { code: 'GRN1', name: 'Green', kind: 'hosted' } })).status, 201);
    const m = await h.call('POST', '/communities/GRN1/accounts', { body: { code: 'GRN10001', creditLimit: '0', maxBalance: '1000' } });
    assert.equal(m.status, 201);
    assert.equal((await h.call('PUT', '/communities/GRN1/credit-lines/LETA', { body: { limit: '100' } })).status, 200);
    const before = remote.received.length;
    const r = await a.try(tryBody({ dest_url: `${h.hub.url}/GRN1`, payee: 'GRN10001', temp_id: 'hosted-1', quantity: 2 }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.state, 'settled');
    assert.equal(remote.received.length, before);
    const acc = await h.call('GET', '/communities/GRN1/accounts/GRN10001');
    assert.equal(acc.body.balance, '2.0000000');
    const unknown = await a.try(tryBody({ dest_url: `${h.hub.url}/GRN1`, payee: 'NOBODY', temp_id: 'hosted-2' }));
    assert.equal(unknown.body.code, 28);
    const nowhere = await a.try(tryBody({ dest_url: 'nowhere.example', temp_id: 'nowhere' }));
    assert.deepEqual([nowhere.status, nowhere.body.code], [404, 26]);
  });

  it('relay refused after settlement: compensated, the balances restored, the caller gets 24', async () => {
    const before = await importExportBalance(h, 'LETA');
    remote.behaviour = { refuse: 24 };
    const r = await a.try(tryBody({ temp_id: 'refused-1', quantity: 3 }));
    remote.behaviour = 'ok';
    assert.equal(r.status, 422, r.text);
    assert.equal(r.body.code, 24);
    assert.equal(await importExportBalance(h, 'LETA'), before);
    // Read from the ledger through Horizon: the compensation may land a moment after the answer.
    await until('the receiving exchange to be paid back', async () => (await importExportBalance(h, 'LETB')) === '90.0000000');
    const again = await a.try(tryBody({ temp_id: 'refused-1', quantity: 3 }));
    assert.equal(again.body.code, 24);

    remote.behaviour = { refuse: 28, message: 'no such member' };
    const r2 = await a.try(tryBody({ temp_id: 'refused-2', quantity: 1 }));
    remote.behaviour = 'ok';
    assert.equal(r2.body.code, 25, r2.text);
    assert.match(r2.body.args['@message'], /no such member/);
    assert.equal(await importExportBalance(h, 'LETA'), before);
  });

  it('exchange down: "pending, repeat" (7), then delivered exactly once when it is back', async () => {
    await remote.stop();
    const r = await a.try(tryBody({ temp_id: 'down-1', quantity: 1 }));
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.code, 7);
    assert.match(r.body.args['@message'], /repeat/);
    const again = await a.try(tryBody({ temp_id: 'down-1', quantity: 1 }));
    assert.equal(again.body.code, 7);
    await remote.start();
    await until('the relay to arrive', async () => remote.written.has('down-1'));
    const done = await until('the transfer to be final', async () => {
      const x = await a.try(tryBody({ temp_id: 'down-1', quantity: 1 }));
      return x.status === 200 ? x : null;
    });
    assert.equal(done.body.state, 'delivered');
    assert.equal(remote.received.filter((m) => m.temp_id === 'down-1' && m.really).length, 1);
  });

  it('100 parallel tries with one temp_id make one payment', async () => {
    const before = await importExportBalance(h, 'LETA');
    const answers = await Promise.all(Array.from({ length: 100 }, () => a.try(tryBody({ temp_id: 'burst-1', quantity: 0.25 }))));
    for (const x of answers) assert.ok(x.status === 200 || (x.status === 409 && x.body.code === 7), x.text);
    assert.ok(answers.some((x) => x.status === 200));
    const after = await importExportBalance(h, 'LETA');
    // 0.25 HOUR at LETA's ticks of 2 (set above): 0.5 of its units.
    assert.equal(Number(before) - Number(after), 0.5);
    assert.equal(remote.written.has('burst-1'), true);
  });

  it('a declined really=true try is recorded as a rejected transfer: nothing paid, nothing relayed, the same answer on repeat', async () => {
    const owner = h.hub.db.owner;
    const before = await importExportBalance(h, 'LETA');
    const relayed = remote.received.length;
    const attempt = async (tempId: string) => (await owner('transfers').where('idempotency_key', 'like', `%|${tempId}`)) as Array<{ id: string; state: string; error_code: string; community_id: string }>;
    // Over the limits (the exchange's own, 100 HOUR, and the line to LETB): refused by the ledger.
    const over = await a.try(tryBody({ temp_id: 'declined-1', quantity: 500 }));
    assert.ok([4, 22, 24].includes(over.body.code), over.text);
    const [t] = await attempt('declined-1');
    assert.equal(t?.state, 'rejected', 'the declined attempt is on record');
    assert.ok(['insufficient_balance', 'credit_line_full', 'payee_full'].includes(t.error_code), `with its reason: ${t.error_code}`);
    const deliveries = await owner('deliveries').where({ transfer_id: t.id });
    assert.deepEqual(deliveries.map((d: { state: string }) => d.state), ['cancelled'], 'its relay is never sent');
    assert.equal(await importExportBalance(h, 'LETA'), before, 'nothing moved');
    assert.equal(remote.received.length, relayed);
    // The same temp_id keeps its answer (no second attempt, no second row), as a payment key does.
    const again = await a.try(tryBody({ temp_id: 'declined-1', quantity: 500 }));
    assert.equal(again.body.code, over.body.code);
    assert.equal((await attempt('declined-1')).length, 1);
    // A quote (really=false) records nothing.
    const quote = await a.try(tryBody({ temp_id: 'declined-2', quantity: 500, really: false }));
    assert.equal(quote.body.code, over.body.code, quote.text);
    assert.deepEqual(await attempt('declined-2'), []);
  });

  it('a blocked exchange gets status 0 at handshake and code 16 elsewhere', async () => {
    assert.equal((await h.call('PUT', '/exchanges/LETA/status', { body: { status: 'blocked' } })).status, 200);
    const hs = await a.handshake(handshakeBody(A_SITE));
    assert.equal(hs.body.status, 0);
    const t = await a.try(tryBody({ temp_id: 'blocked-1' }));
    assert.deepEqual([t.status, t.body.code], [403, 16]);
    assert.equal((await h.call('PUT', '/exchanges/LETA/status', { body: { status: 'active' } })).status, 200);
  });

  it('an unknown exchange gets status −1', async () => {
    const stranger = cxpClient(h.hub.url, { id: 'cxp-nobody', key: 'k'.repeat(43), algorithm: 'sha256' });
    const r = await stranger.handshake(handshakeBody('stranger.example'));
    assert.equal(r.status, 200);
    assert.equal(r.body.status, -1);
    const t = await stranger.clients();
    assert.deepEqual([t.status, t.body.code], [403, 16]);
  });
});
