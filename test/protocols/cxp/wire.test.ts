import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fc from 'fast-check';
import Hawk from 'hawk';
import { CXP_CODES } from '../../../protocols/cxp/errors';
import { TestHub, startGovernanceHub, token } from '../../governance/api';
import { CxpAnswer, CxpClient, FakeExchange, approveExchange, cxpClient, handshakeBody, jsonNumberText, plain, startFakeExchange } from './helpers';

/**
 * What an independent CXP client, written from the 2013 spec, found on the wire
 * (issue 13): every malformed request is a CXP refusal, never a 500.
 */
describe('CXP on the wire: what an independent client found', function () {
  this.timeout(120000);
  const admin = token();
  let h: TestHub;
  let remote: FakeExchange;
  let a: CxpClient;
  const SITE = 'wire-lets.example';

  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `admin:${admin}` }, admin);
    remote = await startFakeExchange();
    const A = await approveExchange(h, { code: 'WIRA', name: 'Wire LETS', uri: `http://${SITE}`, creditLimit: '50', maxBalance: '50' });
    const B = await approveExchange(h, { code: 'WIRB', name: 'Wire receiver', uri: remote.uri, creditLimit: '50', maxBalance: '50' });
    remote.creds = B.creds;
    a = cxpClient(h.hub.url, A.creds);
    assert.equal((await h.call('PUT', '/communities/WIRB/credit-lines/WIRA', { body: { limit: '50' } })).status, 200);
  });
  after(async () => {
    await remote?.stop();
    await h?.close();
  });

  /** A refusal in CXP's format, unsigned (authentication failed), with its code. */
  const refusedUnsigned = (r: CxpAnswer, code: number) => {
    assert.deepEqual([r.status, r.body?.code], [CXP_CODES[code as keyof typeof CXP_CODES].status, code], r.text);
    assert.equal(r.headers.get('server-authorization'), null);
  };
  const now = () => Math.floor(Date.now() / 1000);

  describe('Hawk attributes', () => {
    it('a ts that is no number, with a valid MAC, is refused 18 with the hub\'s time, like a stale one', async () => {
      const r = await a.clients({ ts: 'soon' });
      refusedUnsigned(r, 18);
      const www = r.headers.get('www-authenticate') ?? '';
      const ts = /ts="(\d+)"/.exec(www)?.[1];
      assert.ok(ts && Math.abs(Number(ts) - now()) < 5, www);
      assert.equal(r.body.args['@ts'], ts);
      // The hub's time is signed with the exchange's key (Hawk's tsm), so the client can trust it.
      assert.equal(/tsm="([^"]+)"/.exec(www)?.[1], Hawk.crypto.calculateTsMac(ts!, a.creds));
      assert.match(r.body.args['@reason'], /whole seconds/);
      assert.equal((await a.clients()).status, 200, 'the hub goes on answering');
    });

    it('every other malformed ts is 18 too: a fraction, a sign, spaces, hex, negative, huge', async () => {
      const t = now();
      for (const ts of [`${t}.5`, `${t}.0`, `+${t}`, ` ${t}`, `${t} `, `0x${t.toString(16)}`, `${t}e0`, '-5', '-0', '1e99', '9'.repeat(40), '0'.repeat(20) + t]) {
        refusedUnsigned(await a.clients({ ts }), 18);
      }
    });

    it('a nonce that is empty or longer than 128 characters is 18; 128 are taken', async () => {
      const signed = await a.clients();
      refusedUnsigned(await a.request('GET', '/server/clients', undefined, { authorization: signed.authorization.replace(/nonce="[^"]*"/, 'nonce=""') }), 18);
      // Random characters: a repetitive nonce compresses below the database's index limit, these do not.
      const random = (n: number) => crypto.randomBytes(n).toString('base64url').slice(0, n);
      assert.equal((await a.clients({ nonce: random(128) })).status, 200);
      refusedUnsigned(await a.clients({ nonce: random(129) }), 18);
      refusedUnsigned(await a.clients({ nonce: random(3900) }), 18);
    });

    it('a nonce the hub cannot store fails no other request written with it', async () => {
      // Sent together, they reach the nonce table in one group (see store.ts).
      const huge = crypto.randomBytes(2400).toString('base64url').slice(0, 3000);
      const [bad, ...good] = await Promise.all([a.clients({ nonce: huge }), a.clients(), a.clients(), a.clients()]);
      refusedUnsigned(bad, 18);
      assert.deepEqual(good.map((r) => r.status), [200, 200, 200]);
    });

    it('ext is signed and otherwise ignored; an empty, unknown or repeated attribute is 18', async () => {
      assert.equal((await a.clients({ ext: 'some-app; data = 1, (ok)' })).status, 200);
      const signed = await a.clients();
      const hdr = signed.authorization;
      for (const broken of [
        hdr.replace(/, mac=/, ', ext="", mac='),
        hdr.replace(/, mac=/, ', zzz="1", mac='),
        hdr.replace(/, mac=/, `, ${/nonce="[^"]*"/.exec(hdr)![0]}, mac=`),
        `${hdr}, ext="a\\"b"`,
        hdr.replace(/"$/, ''),
      ]) {
        refusedUnsigned(await a.request('GET', '/server/clients', undefined, { authorization: broken }), 18);
      }
    });

    it('any ts, nonce or ext Hawk\'s header can carry, validly signed: a CXP answer, never a 500', async () => {
      // The characters a Hawk attribute value may hold.
      const attr = (maxLength: number) => fc.string({ unit: fc.constantFrom(...' abcXYZ019_!#$%&\'()*+,-./:;<=>?@[]^`{|}~'), minLength: 1, maxLength });
      const ts = fc.oneof(attr(20), fc.integer({ min: -1e6, max: 1e6 }).map((d) => String(now() + d)), fc.double({ noNaN: true }).map(String));
      await fc.assert(fc.asyncProperty(ts, attr(200), fc.option(attr(40), { nil: undefined }), async (t, nonce, ext) => {
        // A fresh nonce each run: a repeat (fast-check shrinking) is no replay.
        const r = await a.clients({ ts: t, nonce: `${nonce}${crypto.randomUUID().slice(0, 8)}`, ext });
        assert.ok(r.status === 200 || r.status === 401, `${r.status} ${r.text}`);
        if (r.status === 401) assert.equal(r.body.code, 18, r.text);
      }), { numRuns: 300 });
    });
  });

  describe('a body over BODY_LIMIT', () => {
    it('is 413 with code 8 naming body, on every CXP path and content type, as the docs say', async () => {
      const limit = h.hub.config.bodyLimit;
      const over = JSON.stringify({ description: 'x'.repeat(limit) });
      for (const [method, path, contentType] of [['PUT', '/transactions', 'application/json'], ['POST', '/server', 'application/json'], ['PUT', '/transactions', 'text/plain']]) {
        const r = await a.request(method, path, over, { contentType });
        assert.equal(r.status, 413, `${method} ${path} ${contentType}: ${r.text}`);
        assert.deepEqual({ code: r.body.code, field: r.body.args['@field'] }, { code: 8, field: 'body' }, r.text);
        assert.match(r.body.message, /^Invalid transaction field: body: /);
      }
      // At the limit it is read (and refused for what it says, not for its size).
      const at = `{"description":"${'x'.repeat(limit - 18)}"}`;
      assert.equal(Buffer.byteLength(at), limit);
      const r = await a.request('PUT', '/transactions', at);
      assert.equal(r.status, 400, r.text);
      assert.ok(r.verified, 'read, authenticated and answered signed');
      // The legacy client reads the same refusal in its own format.
      const legacy = await fetch(`${h.hub.url}/cxp/legacy/transaction/try`, { method: 'POST', body: new URLSearchParams({ description: 'x'.repeat(limit) }) });
      assert.equal(legacy.status, 200);
      assert.deepEqual((await legacy.json() as unknown[]).slice(0, 2), [8, 'body']);
      // And the published document says so.
      const doc = await (await fetch(`${h.hub.url}/cxp/openapi.json`)).json() as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> };
      for (const [path, method] of [['/server', 'post'], ['/transactions', 'put']]) assert.match(doc.paths[path][method].responses['413'].description, /^8: .*body/);
    });
  });

  describe('amounts as JSON writes them', () => {
    /** A really=false try (a quote: nothing paid) with the quantity written as given. */
    const quote = (quantity: string) => a.request('PUT', '/transactions', `{"payer":"ann","payer_url":"${SITE}","payee":"bob","payee_url":"${remote.uri}",`
      + `"src_url":"${SITE}","dest_url":"${remote.uri}","quantity":${quantity},"description":"x","really":false,"temp_id":"q-${crypto.randomUUID()}"}`);
    /** The quantity of an answer as its JSON text writes it. */
    const quantityText = (r: CxpAnswer) => /"quantity":([^,}]+)/.exec(r.text)?.[1];
    const refused = (r: CxpAnswer, code: number, field: string) => {
      assert.deepEqual([r.status, r.body?.code], [400, code], r.text);
      assert.equal(r.body.args['@field'] ?? r.body.args['@fieldname'], field, r.text);
      assert.ok(r.verified, r.text);
    };

    it('0.0000001, also written 1e-7 as JSON.stringify writes it, is a quantity; 1e-8 and 0.00000001 are not', async () => {
      assert.equal(JSON.stringify(0.0000001), '1e-7');
      for (const [text, answer] of [['0.0000001', '0.0000001'], ['1e-7', '0.0000001'], ['1.5E+1', '15'], ['12.50', '12.5'], ['2.0000000000', '2']]) {
        const r = await quote(text);
        assert.equal(r.status, 200, `${text}: ${r.text}`);
        assert.equal(quantityText(r), answer);
      }
      for (const text of ['1e-8', '0.00000001', '1.000000000000000001', '1e-400']) refused(await quote(text), 8, 'quantity');
    });

    it('property: a quantity with at most 7 decimals in any JSON number form is quoted as exactly that amount', async () => {
      // Up to 50 HOUR, the exchange's credit line.
      const amounts = fc.bigInt({ min: 1n, max: 500000000n }).chain((s) => jsonNumberText(s, -7).map((text) => ({ s, text })));
      await fc.assert(fc.asyncProperty(amounts, async ({ s, text }) => {
        const r = await quote(text);
        assert.equal(r.status, 200, `${text}: ${r.text}`);
        assert.equal(quantityText(r), plain(s, -7).replace(/\.?0+$/, ''), text);
      }), { numRuns: 150 });
    });

    it('property: more than 7 decimals in any JSON number form is refused, code 8 naming quantity', async () => {
      const texts = fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }).filter((m) => m % 10n !== 0n), fc.integer({ min: -20, max: -8 }))
        .chain(([m, e]) => jsonNumberText(m, e));
      await fc.assert(fc.asyncProperty(texts, async (text) => refused(await quote(text), 8, 'quantity')), { numRuns: 100 });
    });

    it('handshake ticks the same way: 1e-7 is ticks, 8 decimals are code 8 (not a 500)', async () => {
      const shake = (ticks: string) => a.request('POST', '/server', JSON.stringify(handshakeBody(SITE, { ticks: 7 })).replace('"ticks":7', `"ticks":${ticks}`));
      for (const ticks of ['0.12345678', '1e-8']) refused(await shake(ticks), 8, 'ticks');
      for (const [ticks, stored] of [['1e-7', '0.0000001'], ['1.5E+1', '15']]) {
        const r = await shake(ticks);
        assert.equal(r.status, 200, r.text);
        assert.equal((await h.call('GET', '/exchanges/WIRA')).body.ticks, stored);
      }
      assert.equal((await shake('1e0')).status, 200);
      assert.equal((await h.call('GET', '/exchanges/WIRA')).body.ticks, '1');
    });

    it('the prepare form\'s volume and balance are read from the query text', async () => {
      // 19 digits: a float keeps 17 of them.
      const r = await a.prepare({ volume: '922337203684.4775807', integrity: 1, balance: '-1e-7' });
      assert.equal(r.status, 200, r.text);
      assert.equal((await h.call('GET', '/exchanges/WIRA')).body.volume, '922337203684.4775807');
      refused(await a.prepare({ volume: 10, integrity: 1, balance: '0.00000001' }), 8, 'balance');
    });
  });
});
