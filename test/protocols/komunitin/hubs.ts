/**
 * Real hub processes for Komunitin tests: each with its own database and port, all on
 * one devnet, started the way an operator starts them, and a governance client for
 * each. Ports are fixed per hub so a restarted hub keeps its URL (peers know it by URL).
 */
import net from 'node:net';
import { openStorage } from '../../../src/app';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/logger';
import { TEST_MASTER_KEY, TestDatabase, createTestDatabase } from '../../helpers/db';
import { Running, runIntertrade } from '../../helpers/process';
import { TestNetwork } from '@intertrade/devnet/testing';
import { Redacted } from '../../../src/vault/redacted';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface HubProcess {
  url: string;
  token: string;
  tdb: TestDatabase;
  proc: Running | null;
  env: Record<string, string>;
  start(): Promise<void>;
  stop(): Promise<void>;
  gov(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** The custodial secret of one of the hub's accounts (the test signs as that member). */
  secret(communityId: string, publicKey: string): Promise<Redacted<string>>;
  close(): Promise<void>;
}

export async function hubProcess(network: Pick<TestNetwork, 'url' | 'passphrase'>, token: string, extra: Record<string, string> = {}): Promise<HubProcess> {
  const tdb = await createTestDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    DATA_DIR: tdb.dataDir, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url,
    STELLAR_HORIZON_URL: network.url, STELLAR_NETWORK_PASSPHRASE: network.passphrase,
    STELLAR_CHANNELS: '2', RECONCILE_INTERVAL_MS: '0', KOMUNITIN_DEV: 'true', KOMUNITIN_TIMEOUT_MS: '3000',
    GOVERNANCE_TOKENS: `admin:${token}`, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    ...(tdb.databaseUrl ? { DATABASE_URL: tdb.databaseUrl, MASTER_KEY: TEST_MASTER_KEY } : {}),
    ...extra,
  };
  const h: HubProcess = {
    url, token, tdb, env, proc: null,
    async start() {
      const p = runIntertrade(['start'], env);
      h.proc = p;
      await p.waitFor(/listening on http/, 90000);
    },
    async stop() {
      if (!h.proc) return;
      h.proc.child.kill('SIGTERM');
      await h.proc.exited;
      h.proc = null;
    },
    async gov(method, path, body) {
      const res = await fetch(`${url}/governance/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async secret(communityId, publicKey) {
      const cfg = loadConfig({ ...env, LOG_LEVEL: 'silent' });
      const s = await openStorage(cfg, createLogger('silent'), { attach: true });
      try {
        return await s.db.community(communityId, (trx) => s.vault.openSecret(trx, communityId, publicKey));
      } finally {
        await s.close();
      }
    },
    async close() {
      await h.stop();
      await tdb.drop();
    },
  };
  await h.start();
  return h;
}
