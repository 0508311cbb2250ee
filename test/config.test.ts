import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config';

describe('config', () => {
  it('starts with no environment at all: embedded database, embedded devnet, port 8080', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.databaseUrl, null);
    assert.equal(c.masterKey, null);
    assert.deepEqual(c.stellar, { kind: 'embedded', port: 8000, close: 1000 });
    assert.equal(c.publicUrl, 'http://localhost:8080');
    assert.ok(c.dataDir.endsWith('/data'));
  });

  it('reads the default path for newcomers, refusing a bad code or line', () => {
    assert.equal(loadConfig({}).newcomers, null);
    assert.deepEqual(loadConfig({ NEWCOMER_COMMUNITY: 'HUB1' }).newcomers, { community: 'HUB1', limitHour: 1_000_000_000n });
    assert.deepEqual(loadConfig({ NEWCOMER_COMMUNITY: 'HUB1', NEWCOMER_CREDIT_LINE: '2.5' }).newcomers, { community: 'HUB1', limitHour: 25_000_000n });
    assert.throws(() => loadConfig({ NEWCOMER_COMMUNITY: 'hub' }), /NEWCOMER_COMMUNITY="hub": expected a community code/);
    assert.throws(() => loadConfig({ NEWCOMER_COMMUNITY: 'HUB1', NEWCOMER_CREDIT_LINE: '-1' }), /NEWCOMER_CREDIT_LINE="-1": expected a positive amount/);
  });

  it('names every variable at fault and what it expects, in one error', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', STELLAR_HORIZON_URL: 'https://horizon-testnet.stellar.org' });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join('\n');
    assert.match(text, /^PORT="eighty": expected the TCP port/m);
    assert.match(text, /^DATABASE_URL="mysql:\/\/x": expected a URL starting with postgres:\/\//m);
    assert.match(text, /^MASTER_KEY: required when DATABASE_URL is set/m);
    assert.match(text, /^LOG_LEVEL="loud": expected one of/m);
    assert.match(text, /^STELLAR_NETWORK_PASSPHRASE: required with STELLAR_HORIZON_URL/m);
    assert.equal(err.problems.length, 5);
  });

  it('requires MASTER_KEY with a database server and accepts hex or base64', () => {
    const hex = 'ab'.repeat(32);
    const c = loadConfig({ DATABASE_URL: 'postgres://u@db/x', MASTER_KEY: hex });
    assert.equal(c.masterKey?.toString('hex'), hex);
    const b64 = Buffer.alloc(32, 7).toString('base64');
    assert.deepEqual(loadConfig({ MASTER_KEY: b64 }).masterKey, Buffer.alloc(32, 7));
    assert.throws(() => loadConfig({ MASTER_KEY: 'short' }), /MASTER_KEY: expected 32 random bytes/);
  });

  it('selects an external Horizon only with its passphrase', () => {
    const c = loadConfig({ STELLAR_HORIZON_URL: 'http://localhost:8000/', STELLAR_NETWORK_PASSPHRASE: 'Test SDF Network ; September 2015' });
    assert.deepEqual(c.stellar, { kind: 'external', horizonUrl: 'http://localhost:8000', networkPassphrase: 'Test SDF Network ; September 2015' });
    assert.throws(() => loadConfig({ STELLAR_NETWORK_PASSPHRASE: 'x' }), /only meaningful with STELLAR_HORIZON_URL/);
    assert.throws(() => loadConfig({ DEVNET_CLOSE: 'sometimes' }), /DEVNET_CLOSE="sometimes"/);
  });
});
