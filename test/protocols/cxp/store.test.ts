import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createKeyring } from '../../../src/core/keys';
import { createExchangeStore } from '../../../protocols/cxp/store';
import { TestStorage, openTestStorage } from '../../helpers/storage';

describe('CXP exchange store', function () {
  this.timeout(60000);
  let storage: TestStorage;
  before(async () => { storage = await openTestStorage(); });
  after(async () => { await storage?.cleanup(); });

  it('keeps its cache bounded when every request names a new unknown Hawk id', async () => {
    const store = createExchangeStore({ db: storage.db, keyring: createKeyring(storage), cacheMaxEntries: 50 });
    for (let i = 0; i < 300; i++) assert.equal(await store.byHawkId(`cxp-${crypto.randomUUID()}`), null);
    assert.ok(store.cacheSize() <= 50, `${store.cacheSize()} entries cached`);
  });
});
