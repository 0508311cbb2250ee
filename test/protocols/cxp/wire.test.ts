import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fc from 'fast-check';
import Hawk from 'hawk';
import { CXP_CODES } from '../../../protocols/cxp/errors';
import { TestHub, startGovernanceHub, token } from '../../governance/api';
import { CxpAnswer, CxpClient, FakeExchange, approveExchange, cxpClient, startFakeExchange } from './helpers';

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
});
