import assert from 'node:assert/strict';
import net from 'node:net';
import { HUB_PACKAGES, packagesLoaded } from './helpers/process';

/** A port that was free a moment ago, so connecting to it is refused. */
const closedPort = (): Promise<number> => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  });
});

describe('intertrade loads the hub only for the commands that run it', function () {
  this.timeout(60000);
  const hubPackages = (loaded: string[]) => loaded.filter((p) => HUB_PACKAGES.includes(p));

  it('prints its usage, the protocols\' commands included, without loading the database, the ledger or the server', async () => {
    const r = await packagesLoaded(['--help']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /community create --code CODE --name NAME \[--kind hosted\|cxp\|ces\]/);
    assert.match(r.output, /exchange approve --code CODE/);
    assert.deepEqual(hubPackages(r.loaded), []);
  });

  it('runs a governance command, a client of the hub over HTTP, without them either', async () => {
    // A port nothing listens on: the command fails on the connection, after loading all it needs to make it.
    const port = await closedPort();
    const r = await packagesLoaded(['exchange', 'list'], { env: { HUB_URL: `http://127.0.0.1:${port}`, GOVERNANCE_TOKEN: 'x'.repeat(32) } });
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, new RegExp(`error: cannot reach the hub at http://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED`));
    assert.deepEqual(hubPackages(r.loaded), []);
  });
});
