/**
 * Each test run gets its own database: a fresh PGlite directory (embedded, the
 * default) or, when DATABASE_URL names a PostgreSQL server, a fresh database on it,
 * dropped afterwards. The suite's only reading of the environment is here: it picks
 * which of the two the whole suite runs on.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Config, loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/database';

export interface TestDatabase {
  databaseUrl: string | null;
  dataDir: string;
  drop(): Promise<void>;
}

export const SERVER_URL = process.env.DATABASE_URL || null;
/** A fixed test master key (server mode requires one; embedded mode generates its own). */
export const TEST_MASTER_KEY = crypto.createHash('sha256').update('intertrade test master key').digest('hex');

export function tempDir(prefix = 'intertrade-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * PGlite's initdb takes seconds; copying an initialised, migrated data directory
 * takes milliseconds. The template is made once per run (and removed at exit).
 */
let template: Promise<string> | null = null;

function embeddedTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = tempDir('intertrade-template-');
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const db = await openDatabase({ databaseUrl: null, dataDir: dir });
    await db.migrate();
    await db.close();
    fs.rmSync(path.join(dir, 'run'), { recursive: true, force: true });
    return dir;
  })();
  return template;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = tempDir();
  const removeDir = async () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (!SERVER_URL) {
    fs.cpSync(path.join(await embeddedTemplate(), 'pg'), path.join(dataDir, 'pg'), { recursive: true });
    return { databaseUrl: null, dataDir, drop: removeDir };
  }
  const name = `intertrade_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir,
    async drop() {
      const c = new Client({ connectionString: SERVER_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
      await removeDir();
    },
  };
}

/** A hub configuration for tests: any port, silent logs, instant devnet ledgers. */
export function testConfig(tdb: TestDatabase, env: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: tdb.dataDir,
    PORT: '0',
    DEVNET_PORT: '0',
    DEVNET_CLOSE: 'instant',
    LOG_LEVEL: 'silent',
    ...(tdb.databaseUrl ? { DATABASE_URL: tdb.databaseUrl, MASTER_KEY: TEST_MASTER_KEY } : {}),
    ...env,
  });
}
