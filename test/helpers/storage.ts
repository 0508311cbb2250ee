import { openStorage } from '../../src/app';
import { createLogger } from '../../src/logger';
import { createCommunityService } from '../../src/core/communities/service';
import { TestDatabase, createTestDatabase, testConfig } from './db';

/** Database + vault + community registry on a fresh test database. */
export async function openTestStorage(env: Record<string, string> = {}) {
  const tdb: TestDatabase = await createTestDatabase();
  const config = testConfig(tdb, env);
  const storage = await openStorage(config, createLogger('silent'));
  const communities = createCommunityService(storage);
  return {
    ...storage, communities, config, tdb,
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
