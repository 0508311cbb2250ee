/**
 * The hub's core on a real ledger for tests: a fresh database (embedded or server),
 * a devnet over HTTP, the Stellar adapter and the domain services, as app.ts wires them.
 */
import { NewcomerPath } from '../../src/core/credit-lines/newcomers';
import assert from 'node:assert/strict';
import { Core, buildCore, vaultHubKeys } from '../../src/app';
import { isAccountError } from '../../src/core/accounts/errors';
import { Account } from '../../src/core/accounts/model';
import { parseAmount } from '../../src/core/amounts';
import { isCommunityError } from '../../src/core/communities/errors';
import { Community } from '../../src/core/communities/model';
import { CreateCommunityInput } from '../../src/core/communities/service';
import { Party } from '../../src/core/transfers/service';
import { createLogger } from '../../src/logger';
import { StellarLedger, createStellarLedger } from '../../src/ledger/stellar/stellar-ledger';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';
import { TestStorage, openTestStorage } from './storage';

export const units = (s: string): bigint => parseAmount(s, { allowZero: true }) as bigint;

/** Create communities and members that must exist (a test fails at once if not). */
export function partyHelpers(core: Core, actor: string) {
  return {
    async community(code: string, o: Partial<CreateCommunityInput> = {}): Promise<Community> {
      const c = await core.communities.create({ code, name: `Community ${code}`, kind: 'hosted', ...o }, actor);
      assert.ok(!isCommunityError(c), c as string);
      return c;
    },
    async member(c: Community, creditLimit = '100', maxBalance = '1000', code?: string): Promise<Party> {
      const a = await core.accounts.create(c, { creditLimit, maxBalance, code }, actor);
      assert.ok(!isAccountError(a), a as string);
      return { community: c, account: a as Account };
    },
  };
}

export interface TestCore extends Core {
  net: TestNetwork;
  storage: TestStorage;
  ledger: StellarLedger;
  community(code: string, opts?: Partial<CreateCommunityInput>): Promise<Community>;
  member(c: Community, creditLimit?: string, maxBalance?: string, code?: string): Promise<Party>;
  /** Balance as users see it (ledger balance − credit limit). */
  balance(p: Party): Promise<bigint>;
  close(): Promise<void>;
}

export async function startTestCore(opts: { channels?: number; net?: TestNetwork; storage?: TestStorage; rebalanceDelayMs?: number; newcomers?: NewcomerPath } = {}): Promise<TestCore> {
  const net = opts.net ?? await startTestNetwork();
  const storage = opts.storage ?? await openTestStorage();
  const logger = createLogger(process.env.TEST_LOG_LEVEL === 'warn' ? 'warn' : 'silent');
  const ledger = await createStellarLedger({
    horizonUrl: net.url, passphrase: net.passphrase, friendbotUrl: `${net.url}/friendbot`,
    channels: opts.channels ?? 4, logger,
    hubKeys: vaultHubKeys(storage.db, storage.vault),
  });
  const core = buildCore({ db: storage.db, vault: storage.vault, ledger, logger, rebalanceDelayMs: opts.rebalanceDelayMs, newcomers: opts.newcomers });
  await core.creditLines.load();
  return {
    ...core, ...partyHelpers(core, 'test'), net, storage, ledger,
    balance: (p) => core.accounts.balance(p.community, p.account),
    async close() {
      await core.rebalancer.idle();
      await ledger.close();
      if (!opts.storage) await storage.cleanup();
      if (!opts.net) await net.close();
    },
  };
}
