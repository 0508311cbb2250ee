import assert from 'node:assert/strict';
import { openStorage } from '../../src/app';
import { createLogger } from '../../src/logger';
import { Community, CommunityKind } from '../../src/core/communities/model';
import { registerCommunity } from '../../src/core/communities/registry';
import { TestDatabase, createTestDatabase, testConfig } from './db';

/** Database + vault on a fresh test database (no ledger). */
export async function openTestStorage(env: Record<string, string> = {}) {
  const tdb: TestDatabase = await createTestDatabase();
  const config = testConfig(tdb, env);
  const storage = await openStorage(config, createLogger('silent'));
  return {
    ...storage, config, tdb,
    /** A registry row and data key, as community creation writes them before the ledger. */
    async register(code: string, name = 'Test', kind: CommunityKind = 'hosted'): Promise<Community> {
      const c = await storage.db.hub((trx) => registerCommunity(trx, storage.vault, { code, name, kind }));
      assert.ok(typeof c !== 'string', c as string);
      return c;
    },
    async cleanup() {
      await storage.close();
      await tdb.drop();
    },
  };
}

export type TestStorage = Awaited<ReturnType<typeof openTestStorage>>;

let seq = 0;
/** A community code unique within the run (4 chars, A–Z0–9). */
export function uniqueCode(): string {
  seq++;
  return `T${(Date.now() % 1296 + seq * 37).toString(36).toUpperCase().padStart(3, '0').slice(-3)}`;
}
