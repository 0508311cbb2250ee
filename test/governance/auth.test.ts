import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ConfigError, loadClientConfig, loadConfig } from '../../src/config';
import { createAuthenticator, governanceAuth, readOrCreateTokenFile, tokenFile } from '../../src/governance/auth';
import { GovernanceDeps } from '../../src/governance/operation';
import { governanceRouter } from '../../src/governance/routes';
import { createMetrics } from '../../src/http/metrics';
import { createHttpApp, listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { Redacted } from '../../src/vault/redacted';
import { tempDir } from '../helpers/db';
import { token } from './api';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('governance authentication', () => {
  it('reads GOVERNANCE_TOKENS as actor:token pairs and keeps the tokens redacted', () => {
    const a = token();
    const b = token();
    const c = loadConfig({ GOVERNANCE_TOKENS: ` alice:${a}, bob.smith@green:${b} ` });
    assert.deepEqual(c.governanceTokens?.map((t) => [t.actor, t.token.reveal()]), [['alice', a], ['bob.smith@green', b]]);
    assert.ok(!JSON.stringify(c).includes(a), 'tokens never serialise');
    assert.equal(loadConfig({}).governanceTokens, null);
  });

  it('refuses short, duplicate and malformed tokens, naming the entry but never the token', () => {
    const short = 'x'.repeat(31);
    const good = token();
    const found = problems({ GOVERNANCE_TOKENS: `alice:${short},bob:${good},bob:${token()},carol:${good},:${token()},dave` });
    assert.deepEqual(found.map((p) => p.replace(/:.*/, '')), Array(5).fill('GOVERNANCE_TOKENS'));
    assert.match(found[0], /entry "alice" needs a token of at least 32 printable characters/);
    assert.match(found[1], /actor "bob" is listed twice/);
    assert.match(found[2], /entry "carol" reuses another actor's token/);
    assert.match(found[3], /entry 5 must be name:token/);
    assert.match(found[4], /entry 6 must be name:token/);
    assert.ok(!found.join('\n').includes(short) && !found.join('\n').includes(good));
  });

  it('finds the running hub for the CLI from HUB_URL, or PORT, and its token from GOVERNANCE_TOKEN', () => {
    assert.equal(loadClientConfig({}).hubUrl, 'http://127.0.0.1:8080');
    assert.equal(loadClientConfig({ PORT: '9090' }).hubUrl, 'http://127.0.0.1:9090');
    const c = loadClientConfig({ HUB_URL: 'https://hub.example.org/', GOVERNANCE_TOKEN: 'abc', PORT: '0' });
    assert.equal(c.hubUrl, 'https://hub.example.org');
    assert.equal(c.governanceToken?.reveal(), 'abc');
    assert.throws(() => loadClientConfig({ HUB_URL: 'ftp://x' }), /HUB_URL="ftp:\/\/x": expected the hub's base URL/);
    assert.throws(() => loadClientConfig({ PORT: '0' }), /PORT="0": expected the TCP port of the running hub/);
  });

  it('tells tokens apart by their sha256 digests, whatever their length', () => {
    const a = token();
    const auth = createAuthenticator([{ actor: 'alice', token: new Redacted(a) }, { actor: 'bob', token: new Redacted(token()) }]);
    assert.ok(auth.enabled);
    assert.equal(auth.authenticate(a), 'alice');
    assert.equal(auth.authenticate(`${a}x`), null);
    assert.equal(auth.authenticate(a.slice(1)), null);
    assert.equal(auth.authenticate(''), null);
  });

  it('generates one admin token into DATA_DIR (mode 0600) for an embedded hub without GOVERNANCE_TOKENS, and keeps it', () => {
    const dir = tempDir();
    try {
      const auth = governanceAuth(loadConfig({ DATA_DIR: dir }), createLogger('silent'));
      const file = tokenFile(dir);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const written = fs.readFileSync(file, 'utf8').trim();
      assert.ok(written.length >= 32);
      assert.ok(auth.enabled && auth.authenticate(written) === 'admin');
      assert.equal(readOrCreateTokenFile(dir).token.reveal(), written, 'the same token after a restart');
      assert.equal(readOrCreateTokenFile(dir).created, false);
      // Configured tokens take over from the file.
      const other = token();
      const configured = governanceAuth(loadConfig({ DATA_DIR: dir, GOVERNANCE_TOKENS: `alice:${other}` }), createLogger('silent'));
      assert.ok(configured.enabled && configured.authenticate(written) === null && configured.authenticate(other) === 'alice');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the API closed (503, saying why) on a database server without GOVERNANCE_TOKENS, but still serves the document', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const logger = createLogger('warn', { write: (l: string) => lines.push(l) });
    const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgres://u@db/x', MASTER_KEY: 'ab'.repeat(32) });
    const auth = governanceAuth(config, logger);
    assert.equal(auth.enabled, false);
    assert.ok(!fs.existsSync(tokenFile(dir)), 'no token is generated for a server deployment');
    assert.match(lines.join(''), /governance API is disabled/);
    // The handlers are never reached: the refusal comes first.
    const deps = { communities: { mirrorKinds: [] } } as unknown as GovernanceDeps;
    const app = createHttpApp({ logger, metrics: createMetrics(), bodyLimit: 1024 * 1024, routers: [governanceRouter({ ...deps, auth })] });
    const http = await listen(app, 0, '127.0.0.1', 1000);
    try {
      const base = `http://127.0.0.1:${http.port}/governance/v1`;
      const r = await fetch(`${base}/communities`, { headers: { authorization: `Bearer ${token()}` } });
      assert.equal(r.status, 503);
      const body = await r.json() as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'governance_disabled');
      assert.match(body.error.message, /set GOVERNANCE_TOKENS="name:token,…"/);
      assert.equal((await fetch(`${base}/openapi.json`)).status, 200);
    } finally {
      await http.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
