/**
 * Two hubs, each a real process with its own database and port, on one devnet, paying
 * each other through the Komunitin protocol over real HTTP: payments both ways (by
 * governance, and by a member's app with its own token), payment requests accepted and
 * rejected, a notify that waits out the payee hub being down (and the payer hub
 * restarting), and forged or false notifies refused.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';
import { signToken } from '../../../protocols/komunitin/auth';
import { openStorage } from '../../../src/app';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/logger';
import { Redacted } from '../../../src/vault/redacted';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';
import { cxpClient, startFakeExchange } from '../cxp/helpers';
import { HubProcess, hubProcess } from './hubs';
import { PeerProxy, startPeerProxy } from './peer-proxy';

const JSONAPI = 'application/vnd.api+json';

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Komunitin protocol between two hub processes', function () {
  this.timeout(240000);
  let network: TestNetwork;
  let a: HubProcess;
  let b: HubProcess;
  /** Hub B is reached through it, as every server reaches B (its PUBLIC_URL). */
  let proxy: PeerProxy;
  const ids: Record<string, { community: string; account: string; publicKey: string; href: string }> = {};

  const balance = async (h: HubProcess, code: string, account: string) => (await h.gov('GET', `/communities/${code}/accounts/${account}`)).body.balance as string;

  before(async () => {
    network = await startTestNetwork();
    proxy = await startPeerProxy();
    [a, b] = await Promise.all([
      hubProcess(network, crypto.randomBytes(32).toString('base64url')),
      hubProcess(network, crypto.randomBytes(32).toString('base64url'), { PUBLIC_URL: proxy.url }),
    ]);
    proxy.target = b.url;
    b.url = proxy.url;
    for (const [h, code, rate] of [[a, 'AAA1', { n: 1, d: 1 }], [b, 'BBB1', { n: 1, d: 2 }]] as const) {
      const c = await h.gov('POST', '/communities', { code, name: `Community ${code}`, kind: 'hosted', rate });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      for (const n of ['1', '2']) {
        const m = await h.gov('POST', `/communities/${code}/accounts`, { code: `${code}-M${n}`, creditLimit: '100', maxBalance: '1000' });
        assert.equal(m.status, 201, JSON.stringify(m.body));
        const acc = await fetch(`${h.url}/${code}/accounts/${code}-M${n}`);
        const doc = await acc.json() as any;
        ids[`${code}-M${n}`] = { community: doc.data.relationships.currency.data.id, account: doc.data.id, publicKey: doc.data.attributes.key, href: doc.data.links.self };
      }
    }
    // Each hub registers the other's currency, and accepts its HOUR up to 1000 units.
    for (const [h, other, mine, theirs] of [[a, b, 'AAA1', 'BBB1'], [b, a, 'BBB1', 'AAA1']] as const) {
      const p = await h.gov('POST', '/komunitin/peers', { url: `${other.url}/${theirs}/currency` });
      assert.equal(p.status, 200, JSON.stringify(p.body));
      assert.equal(p.body.code, theirs);
      const line = await h.gov('PUT', `/communities/${mine}/credit-lines/${p.body.code}`, { limit: '1000' });
      assert.equal(line.status, 200, JSON.stringify(line.body));
    }
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await proxy?.close();
    await network?.close();
  });

  it('serves the currency and accounts as Komunitin does (public, JSON:API)', async () => {
    const res = await fetch(`${a.url}/AAA1/currency`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/vnd\.api\+json/);
    const doc = await res.json() as any;
    const gov = (await a.gov('GET', '/communities/AAA1')).body;
    assert.equal(doc.data.type, 'currencies');
    assert.equal(doc.data.attributes.code, 'AAA1');
    assert.deepEqual(doc.data.attributes.rate, { n: 1, d: 1 });
    assert.equal(doc.data.attributes.scale, 4);
    assert.equal(doc.data.attributes.keys.externalIssuer, gov.ledgerAccounts.externalIssuer);
    assert.equal(doc.data.attributes.keys.issuer, gov.ledgerAccounts.issuer);
    const byId = await (await fetch(`${a.url}/AAA1/accounts/${ids['AAA1-M1'].account}`)).json() as any;
    assert.equal(byId.data.attributes.key, ids['AAA1-M1'].publicKey);
    assert.equal(byId.data.attributes.code, 'AAA1-M1');
    const missing = await fetch(`${a.url}/AAA1/accounts/${crypto.randomUUID()}`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as any).errors[0].code, 'NotFound');
    assert.equal((await fetch(`${a.url}/ZZZ9/currency`)).status, 404);
  });

  let firstHash = '';
  it('a member of hub A pays a member of hub B: settled on the ledger, notified, recorded once by B', async () => {
    const before = await balance(b, 'BBB1', 'BBB1-M1');
    const r = await a.gov('POST', '/communities/AAA1/komunitin/payments', { account: 'AAA1-M1', to: ids['BBB1-M1'].href, amount: '10', description: 'bread' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'committed');
    firstHash = r.body.hash;
    assert.match(firstHash, /^[0-9a-f]{64}$/);
    const t = await until('the notify to be acknowledged', async () => {
      const x = await a.gov('GET', `/communities/AAA1/transfers/${r.body.transfer}`);
      return x.body.state === 'delivered' ? x.body : null;
    });
    assert.equal(t.deliveries[0].state, 'delivered');
    // 10 AAA1 = 10 HOUR = 20 BBB1 (rate 1/2).
    assert.equal(Number(await balance(b, 'BBB1', 'BBB1-M1')) - Number(before), 20);
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M1')), -10);
  });

  it('a member of hub B pays a member of hub A back, through a pay link', async () => {
    const link = `https://komunitin.org/pay?t=${encodeURIComponent(ids['AAA1-M2'].href)}&m=thanks&a=400`;
    const r = await b.gov('POST', '/communities/BBB1/komunitin/payments', { account: 'BBB1-M2', to: link, amount: '8' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await until('delivery', async () => (await b.gov('GET', `/communities/BBB1/transfers/${r.body.transfer}`)).body.state === 'delivered');
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M2')), 4);
  });

  it('a member pays out through POST /{CODE}/transfers with a token signed by its own key; nobody else can', async () => {
    const payer = ids['AAA1-M1'];
    const payee = ids['BBB1-M2'];
    const token = async (member: string) => signToken(await a.secret(ids[member].community, ids[member].publicKey), 'https://app.example');
    const mine = await token('AAA1-M1');
    const id = crypto.randomUUID();
    const pay = (bearer: string) => fetch(`${a.url}/AAA1/transfers`, {
      method: 'POST',
      headers: { 'content-type': JSONAPI, authorization: `Bearer ${bearer}` },
      body: JSON.stringify({
        data: {
          type: 'transfers', id,
          attributes: { amount: 50000, meta: { description: 'from the app' }, state: 'committed' }, // 5 AAA1 at scale 4
          relationships: {
            payer: { data: { type: 'accounts', id: payer.account } },
            payee: { data: { type: 'accounts', id: payee.account, meta: { external: true, href: payee.href } } },
          },
        },
      }),
    }).then(async (res) => ({ status: res.status, body: await res.json() as any }));
    const before = { payer: Number(await balance(a, 'AAA1', 'AAA1-M1')), payee: Number(await balance(b, 'BBB1', 'BBB1-M2')) };

    // Another member's token does not speak for the payer: refused, nothing paid.
    const other = await pay(await token('AAA1-M2'));
    assert.equal(other.status, 403, JSON.stringify(other.body));
    assert.equal(other.body.errors[0].code, 'Forbidden');
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M1')), before.payer);

    const r = await pay(mine);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.data.id, id);
    assert.equal(r.body.data.attributes.state, 'committed');
    const hash = r.body.data.attributes.hash as string;
    assert.match(hash, /^[0-9a-f]{64}$/);
    // 5 AAA1 = 5 HOUR = 10 BBB1.
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M1')), before.payer - 5);
    assert.equal(Number(await balance(b, 'BBB1', 'BBB1-M2')), before.payee + 10);
    // B recorded it under the same id and hash, and shows it to the payer (its token).
    const seen = await fetch(`${b.url}/BBB1/transfers/${id}`, { headers: { authorization: `Bearer ${mine}` } });
    assert.equal(seen.status, 200);
    const there = (await seen.json() as any).data.attributes;
    assert.equal(there.hash, hash);
    assert.equal(there.state, 'committed');
    assert.equal(there.amount, 100000);

    // The app sending it again (a lost answer): the same transfer, paid once.
    const again = await pay(mine);
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.body.data.attributes.hash, hash);
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M1')), before.payer - 5);
    assert.equal(Number(await balance(b, 'BBB1', 'BBB1-M2')), before.payee + 10);
  });

  it('refuses forged tokens, hashes not on the ledger or paying someone else, and amounts that disagree with the ledger', async () => {
    const payer = ids['AAA1-M1'];
    const secret = await a.secret(payer.community, payer.publicKey);
    const notify = async (attrs: Record<string, unknown>, token: string, payee = ids['BBB1-M1'].account) => {
      const res = await fetch(`${b.url}/BBB1/transfers`, {
        method: 'POST',
        headers: { 'content-type': JSONAPI, authorization: `Bearer ${token}` },
        body: JSON.stringify({
          data: {
            type: 'transfers', id: crypto.randomUUID(),
            attributes: { amount: 200000, meta: { description: 'x' }, state: 'committed', ...attrs },
            relationships: {
              payer: { data: { type: 'accounts', id: payer.account, meta: { external: true, href: payer.href } } },
              payee: { data: { type: 'accounts', id: payee } },
            },
          },
        }),
      });
      return { status: res.status, body: await res.json() as any };
    };
    const good = await signToken(secret, a.url);
    // A token claiming the payer's key but signed by another key.
    const forger = Keypair.random();
    const forged = await signToken(new Redacted(forger.secret()), a.url);
    const [h, p] = forged.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const swapped = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: payer.publicKey })).toString('base64url')}.${forged.split('.')[2]}`;
    let r = await notify({ hash: firstHash }, swapped);
    assert.equal(r.status, 401);
    assert.equal(r.body.errors[0].code, 'Unauthorized');
    r = await notify({ hash: firstHash }, forged); // a valid token, but of someone who is not the payer
    assert.equal(r.status, 403);
    r = await notify({ hash: 'ab'.repeat(32) }, good);
    assert.equal(r.status, 400);
    assert.equal(r.body.errors[0].source.pointer, '/data/attributes/hash');
    r = await notify({ hash: firstHash, amount: 200001 + 5 }, good);
    assert.equal(r.status, 400);
    assert.equal(r.body.errors[0].source.pointer, '/data/attributes/amount');
    r = await notify({ hash: firstHash }, good, ids['BBB1-M2'].account); // the hash paid M1, not M2
    assert.equal(r.status, 400);
    r = await notify({ hash: firstHash, amount: 'ten' }, good);
    assert.equal(r.status, 400);
    assert.equal(r.body.errors[0].code, 'FieldValidationError');
    assert.equal(r.body.errors[0].source.pointer, '/data/attributes/amount');
    // The true notify again (the peer retrying): the same transfer, nothing new.
    r = await notify({ hash: firstHash }, good);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.data.attributes.hash, firstHash);
    assert.equal(r.body.data.attributes.state, 'committed');
  });

  it('payment requests: held pending, then accepted or rejected by the payer hub, which tells the requester', async () => {
    const ask = async (amount: string) => {
      const r = await a.gov('POST', '/communities/AAA1/komunitin/requests', { account: 'AAA1-M2', to: ids['BBB1-M2'].href, amount, description: 'lessons' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };
    const first = await ask('3');
    assert.equal(first.state, 'pending');
    const pending = (await b.gov('GET', '/communities/BBB1/komunitin/requests?state=pending')).body.transfers;
    assert.equal(pending.length, 1);
    assert.equal(pending[0].id, first.id);
    assert.equal(pending[0].amount, '6.0000000'); // 3 AAA1 asked = 6 BBB1 to pay
    const before = Number(await balance(a, 'AAA1', 'AAA1-M2'));
    const ok = await b.gov('POST', `/communities/BBB1/komunitin/requests/${first.id}/accept`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.state, 'committed');
    await until('the requester to learn it was paid', async () =>
      (await a.gov('GET', '/communities/AAA1/komunitin/requests?state=committed')).body.transfers.some((t: any) => t.id === first.id));
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M2')) - before, 3);

    const second = await ask('2');
    const no = await b.gov('POST', `/communities/BBB1/komunitin/requests/${second.id}/reject`);
    assert.equal(no.body.state, 'rejected');
    await until('the requester to learn it was rejected', async () =>
      (await a.gov('GET', '/communities/AAA1/komunitin/requests?state=rejected')).body.transfers.some((t: any) => t.id === second.id));
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M2')) - before, 3);

    // Policy: paid at once.
    assert.equal((await b.gov('PUT', '/communities/BBB1/komunitin/policy', { acceptRequests: 'auto' })).status, 200);
    const third = await ask('1');
    assert.equal(third.state, 'committed');
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M2')) - before, 4);

    // Policy: paid at once only when the requester's currency (or account) is listed.
    const listing = async (whitelist: string[]) =>
      assert.equal((await b.gov('PUT', '/communities/BBB1/komunitin/policy', { acceptRequests: 'whitelist', whitelist })).status, 200);
    await listing(['https://elsewhere.example/XXX1/currency']);
    assert.equal((await ask('1')).state, 'pending');
    await listing([`${a.url}/AAA1/currency`]);
    assert.equal((await ask('1')).state, 'committed');
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M2')) - before, 5);
  });

  it('a payment to a member of a CXP exchange mirrored on hub B is relayed onward to the exchange, Hawk-signed', async () => {
    const ex = await startFakeExchange();
    try {
      const approved = await b.gov('POST', '/exchanges', { code: 'LETB', name: 'Town LETS', uri: ex.uri, creditLimit: '100', maxBalance: '100' });
      assert.equal(approved.status, 201, JSON.stringify(approved.body));
      ex.creds = approved.body.hawk;
      // The exchange accepts AAA1's HOUR (hub B knows AAA1 as a peer); hub A trusts the exchange's currency.
      assert.equal((await b.gov('PUT', '/communities/LETB/credit-lines/AAA1', { limit: '50' })).status, 200);
      assert.equal((await a.gov('POST', '/komunitin/peers', { url: `${b.url}/LETB/currency` })).status, 200);
      const member = await (await fetch(`${b.url}/LETB/accounts/alice`)).json() as any;
      assert.equal(member.data.attributes.code, 'alice');

      const r = await a.gov('POST', '/communities/AAA1/komunitin/payments', { account: 'AAA1-M1', to: `${b.url}/LETB/accounts/alice`, amount: '3', description: 'bread' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.state, 'committed');
      const relayed = await until('the exchange to write the payment', async () => [...ex.written.values()][0]);
      assert.deepEqual([relayed.payee, Number(relayed.quantity), relayed.description, relayed.really], ['alice', 3, 'bread', true]);
      assert.equal(relayed.dest_url, ex.uri.replace(/^https?:\/\//, '')); // exchanges are named by URI without scheme
      // Recorded once by hub B, on the exchange's import-export account (its members' virtual customer).
      assert.equal(Number(await balance(b, 'LETB', 'IMPORT-EXPORT')), 3);
      assert.equal(ex.written.size, 1);
      assert.equal(ex.unauthenticated, 0);
    } finally {
      await ex.stop();
    }
  });

  it('a CXP exchange on hub A pays an account on hub B, a Komunitin server: settled once, notified, recorded by B', async () => {
    const approved = await a.gov('POST', '/exchanges', { code: 'LETA', name: 'Town LETS', uri: 'https://lets-a.example/town', creditLimit: '100', maxBalance: '100' });
    assert.equal(approved.status, 201, JSON.stringify(approved.body));
    const client = cxpClient(a.url, approved.body.hawk);
    // Hub B's community accepts the exchange's HOUR (its currency served by hub A, as Komunitin).
    const peer = await b.gov('POST', '/komunitin/peers', { url: `${a.url}/LETA/currency` });
    assert.equal(peer.status, 200, JSON.stringify(peer.body));
    assert.equal((await b.gov('PUT', `/communities/BBB1/credit-lines/${peer.body.code}`, { limit: '100' })).status, 200);
    // The exchange finds hub B's currency among the destinations (peers hub A registered).
    const dest = `${b.url}/BBB1`;
    assert.equal((await client.clients()).body[dest.replace(/^http:\/\//, '').toLowerCase()], 'Community BBB1');

    const before = Number(await balance(b, 'BBB1', 'BBB1-M1'));
    const body = {
      payer: 'ann@lets-a.example', payer_url: 'lets-a.example/town/user/3', payee: 'BBB1-M1', payee_url: dest,
      src_url: 'lets-a.example/town', dest_url: dest, quantity: 2, description: 'honey', really: true, temp_id: 'to-komunitin-1',
    };
    const quote = await client.try({ ...body, really: false });
    assert.deepEqual([quote.status, quote.body.state], [200, 'quoted'], quote.text);
    const r = await client.try(body);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.code, 'OK');
    assert.ok(r.verified);
    // Repeating the try (as CXP clients do) shows the notify acknowledged: B checked the
    // payment on the ledger and recorded it.
    await until('hub B to acknowledge the notify', async () => {
      const repeat = await client.try(body);
      assert.equal(repeat.body.code, 'OK', repeat.text);
      return repeat.body.state === 'delivered';
    });
    // 2 HOUR = 4 BBB1 (1 BBB1 = 1/2 HOUR).
    assert.equal((await client.try({ ...body, payee: 'NOBODY' , temp_id: 'to-komunitin-2' })).body.code, 28);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(Number(await balance(b, 'BBB1', 'BBB1-M1')) - before, 4, 'paid once');
    assert.equal(await balance(a, 'LETA', 'IMPORT-EXPORT'), '-2.0000000');
  });

  it('a notify whose answer was lost is acknowledged by Komunitin\'s "already exists" on the retry (Komunitin serves peers no GET of it)', async () => {
    proxy.mode = 'lose-answer';
    try {
      const r = await a.gov('POST', '/communities/AAA1/komunitin/payments', { account: 'AAA1-M1', to: ids['BBB1-M1'].href, amount: '2', description: 'answer lost' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const done = await until('the retry to be acknowledged', async () => {
        const x = (await a.gov('GET', `/communities/AAA1/transfers/${r.body.transfer}`)).body;
        return x.state === 'delivered' || x.deliveries[0].state === 'refused' ? x : null;
      });
      assert.equal(done.deliveries[0].state, 'delivered', JSON.stringify(done.deliveries));
      assert.equal(done.state, 'delivered');
      assert.equal(proxy.notifies.get(r.body.id), 2, 'sent, answer lost, sent again');
    } finally {
      proxy.mode = 'pass';
    }
  });

  it('a payment the peer refuses after it settled ends disputed, the peer is asked for it back, and paying it back compensates it', async () => {
    assert.equal((await b.gov('PUT', '/communities/BBB1/komunitin/policy', { acceptRequests: 'manual' })).status, 200);
    const before = await balance(a, 'AAA1', 'AAA1-M1');
    proxy.mode = 'refuse-notify';
    let r;
    try {
      r = await a.gov('POST', '/communities/AAA1/komunitin/payments', { account: 'AAA1-M1', to: ids['BBB1-M1'].href, amount: '4', description: 'refused later' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const disputed = await until('the refusal to dispute the transfer', async () => {
        const x = (await a.gov('GET', `/communities/AAA1/transfers/${r!.body.transfer}`)).body;
        return x.state === 'disputed' ? x : null;
      });
      assert.equal(disputed.deliveries[0].state, 'refused');
      assert.match(disputed.errorMessage, /payee account is disabled/);
    } finally {
      proxy.mode = 'pass';
    }
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M1')), Number(before) - 4, 'the money is on the peer\'s side');

    // B was asked, with a payment request from the payer to the payee, which B's board decides.
    const asked = await until('the return request at B', async () =>
      (await b.gov('GET', '/communities/BBB1/komunitin/requests?state=pending')).body.transfers.find((t: any) => /Return of payment/.test(t.description)));
    assert.equal(asked.amount, '8.0000000', '4 AAA1 = 8 BBB1');
    assert.equal(asked.account, 'BBB1-M1');
    const paid = await b.gov('POST', `/communities/BBB1/komunitin/requests/${asked.id}/accept`);
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    const back = await until('the transfer to be compensated', async () => {
      const x = (await a.gov('GET', `/communities/AAA1/transfers/${r!.body.transfer}`)).body;
      return x.state === 'compensated' ? x : null;
    });
    assert.match(back.errorMessage, /paid back/);
    assert.equal(Number(await balance(a, 'AAA1', 'AAA1-M1')), Number(before), 'the payer has its money back');
  });

  it('notifies a payee hub that is down once it is back, exactly once, across a restart of the payer hub', async () => {
    await b.stop();
    const r = await a.gov('POST', '/communities/AAA1/komunitin/payments', { account: 'AAA1-M1', to: ids['BBB1-M2'].href, amount: '5', description: 'while down' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'committed');
    const t = (await a.gov('GET', `/communities/AAA1/transfers/${r.body.transfer}`)).body;
    assert.equal(t.state, 'settled');
    assert.equal(t.deliveries[0].state, 'pending');
    assert.ok(t.deliveries[0].attempts >= 1);
    await a.stop();
    await a.start();
    await b.start();
    const done = await until('the notify after both restarts', async () => {
      const x = (await a.gov('GET', `/communities/AAA1/transfers/${r.body.transfer}`)).body;
      return x.state === 'delivered' ? x : null;
    }, 60000);
    assert.equal(done.deliveries[0].state, 'delivered');
    // B holds exactly one record of that payment, though it may have been told more than once.
    const s = await openStorage(loadConfig({ ...b.env, LOG_LEVEL: 'silent' }), createLogger('silent'), { attach: true });
    try {
      const rows = await s.db.owner('transfers').where({ ledger_hash: r.body.hash });
      assert.equal(rows.length, 1);
      const k = await s.db.owner('komunitin_transfers').where({ hash: r.body.hash });
      assert.equal(k.length, 1);
    } finally {
      await s.close();
    }
  });
});
