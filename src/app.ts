/**
 * Composition root: builds every part of the hub from the config, in dependency
 * order, and tears them down in reverse. Nothing else wires services together.
 */
import { Config } from './config';
import { Logger, createLogger } from './logger';
import { Database, openDatabase } from './db/database';
import { DataDirInUseError, lockDataDir } from './db/data-dir';
import { MasterKeySource, loadMasterKey, readKeyFile } from './vault/master-key';
import { Vault, openVault } from './vault/vault';
import { StellarNetwork, networkName, openStellarNetwork } from './ledger/network';
import { createCommunityService } from './core/communities/service';
import { createAccountService } from './core/accounts/service';
import { createCreditLineService } from './core/credit-lines/service';
import { createNettingService } from './core/netting/service';
import { NewcomerPath, createNewcomerWelcome } from './core/credit-lines/newcomers';
import { createTransferService } from './core/transfers/service';
import { checkEveryBook, createRebalancer } from './core/rebalancer';
import { HubProcess, TAKEOVER_MS, createHubProcess } from './core/processes';
import { createReconciler } from './core/reconcile';
import { createDeliveryService } from './core/deliveries/service';
import { createOnwardRegistry } from './core/deliveries/onward';
import { createRemotePayees } from './core/transfers/remote-payees';
import { createExchangeService } from './core/exchanges/service';
import { createRateService } from './core/rates/service';
import { createKeyring } from './core/keys';
import { Ledger } from './core/ledger';
import { Core } from './core';
import { isCommunityError } from './core/communities/errors';
import { isAccountError } from './core/accounts/errors';
import { StellarLedger, createStellarLedger } from './ledger/stellar/stellar-ledger';
import { HubKeyStore } from './ledger/stellar/hub-accounts';
import { Metrics, createMetrics, observeHub } from './http/metrics';
import { createHttpApp, listen } from './http/server';
import { databaseCheck, healthRouter, ledgerCheck } from './http/health';
import { createFigures } from './core/figures';
import { Reconciler } from './core/reconcile';
import { Authenticator, governanceAuth } from './governance/auth';
import { GovernancePlugins, governanceRouter } from './governance/routes';
import { TokenStore, createTokenStore } from './governance/tokens';
import { dashboardRouter } from './dashboard/routes';
import { Protocol } from './protocol';
import { MIRROR_KINDS, PROTOCOLS, PROTOCOL_SCHEMAS } from './plugins';

export type { Core };

/** The domain services over a database, vault and ledger (also what tests build). */
export function buildCore(deps: {
  db: Database; vault: Vault; ledger: Ledger; logger: Logger; rebalanceDelayMs?: number; mirrorKinds?: readonly string[];
  /** TRANSFER_WAIT_MS; unset, a payment's request waits for its end. */
  transferWaitMs?: number;
  /** NEWCOMER_COMMUNITY / NEWCOMER_CREDIT_LINE: the community every new one is linked to. */
  newcomers?: NewcomerPath | null;
  /** This process among others on the database (registered by the caller); absent: one not registered, fine alone. */
  process?: HubProcess;
}): Core {
  const { db, vault, ledger, logger } = deps;
  const hubProcess = deps.process ?? createHubProcess({ db, logger });
  const keyring = createKeyring({ db, vault });
  const accounts = createAccountService({ db, ledger, keyring });
  const creditLines = createCreditLineService({ db, ledger, keyring });
  const created = createCommunityService({ db, vault, ledger, keyring, accounts, logger, mirrorKinds: deps.mirrorKinds ?? MIRROR_KINDS });
  const welcome = createNewcomerWelcome({
    path: deps.newcomers ?? null, creditLines, getByCode: (code) => created.getByCode(code),
    warn: (msg, detail) => logger.warn(detail, msg),
  });
  // Every community made (hosted, or a protocol's mirror) is welcomed on the default path, if there is one.
  const communities: typeof created = {
    ...created,
    async create(input, actor) {
      const c = await created.create(input, actor);
      if (!isCommunityError(c)) await welcome(c);
      return c;
    },
  };
  const exchanges = createExchangeService({ db, communities, accounts });
  const rebalancer = createRebalancer({
    ledger, keyring, logger, delayMs: deps.rebalanceDelayMs,
    load: async (id) => { const c = await communities.getById(id); return isCommunityError(c) ? null : c; },
  });
  const byIssuer = new Map<string, string>();
  const deliveries = createDeliveryService({ db, logger, processId: hubProcess.id });
  const remotePayees = createRemotePayees();
  const transfers = createTransferService({
    db, ledger, keyring, creditLines, rebalancer, logger, waitMs: deps.transferWaitMs, processId: hubProcess.id,
    onDeliveryReady: (d) => deliveries.remember(d),
    reclaim: (d) => remotePayees.reclaim(d),
    async loadParty(communityId, accountId) {
      const community = await communities.getById(communityId);
      if (isCommunityError(community)) throw new Error(`transfer refers to unknown community ${communityId}`);
      const account = await accounts.getById(communityId, accountId);
      if (isAccountError(account)) throw new Error(`transfer refers to unknown account ${accountId}`);
      return { community, account };
    },
    async communityByExternalIssuer(publicKey) {
      // A community's external issuer never changes: remember whose it is (the community
      // itself is read fresh, its rate may have changed), reload the map on a miss.
      let id = byIssuer.get(publicKey);
      if (!id) {
        for (const c of await communities.list()) byIssuer.set((c.ledgerAccounts as { externalIssuer?: string }).externalIssuer ?? '', c.id);
        id = byIssuer.get(publicKey);
      }
      if (!id) return null;
      const c = await communities.getById(id);
      return isCommunityError(c) ? null : c;
    },
    async loadCommunity(id) {
      const community = await communities.getById(id);
      if (isCommunityError(community)) throw new Error(`unknown community ${id}`);
      return community;
    },
  });
  const rates = createRateService({ db, ledger, keyring, communities, accounts, exchanges, rebalancer, logger });
  const reconciler = createReconciler({ db, ledger, keyring, accounts, transfers, rebalancer, rates, logger });
  // The other side refused a settled transfer for good: pay the payer back.
  deliveries.onRefused(async (d) => {
    if (!d.transferId) return;
    const t = await transfers.get(d.communityId, d.transferId);
    if (t) await transfers.compensate(t, d.lastError ?? 'refused by the other side');
  });
  const onward = createOnwardRegistry();
  const netting = createNettingService({ db, ledger, keyring, rebalancer, communities, process: hubProcess });
  return { keyring, accounts, communities, creditLines, transfers, rebalancer, reconciler, deliveries, onward, remotePayees, exchanges, rates, netting, process: hubProcess };
}

/**
 * Another hub process on this database died: every TAKEOVER_MS, take over its unfinished
 * transfers and its netting run (its deliveries the delivery loop claims by itself; see
 * core/processes.ts). Stop waits for a round under way.
 */
export function startTakeover(core: Pick<Core, 'transfers' | 'netting'>, logger: Logger): { stop(): Promise<void> } {
  let adopting: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    adopting ??= Promise.all([core.transfers.adopt(), core.netting.resume()])
      .catch((err) => logger.warn({ err }, 'taking over from a dead hub process failed; trying again'))
      .finally(() => { adopting = null; });
  }, TAKEOVER_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await adopting;
    },
  };
}

/** The hub's own keys (sponsor, channels), sealed in the vault under the master key. */
export function vaultHubKeys(db: Database, vault: Vault, hubProcess?: HubProcess): HubKeyStore {
  return {
    load: (name) => db.hub((trx) => vault.openHubSecret(trx, name)),
    save: (name, publicKey, secret) => db.hub((trx) => vault.sealHubSecret(trx, name, publicKey, secret.reveal())),
    // Each channel is leased by one process at a time (its sequence is tracked in memory).
    ...(hubProcess ? { lease: (name: string) => hubProcess.lease(name) } : {}),
  };
}

/** The Stellar ledger adapter, its hub keys (sponsor, channels) sealed in the vault. */
export function openLedger(config: Config, network: StellarNetwork, db: Database, vault: Vault, logger: Logger, hubProcess?: HubProcess): Promise<StellarLedger> {
  return createStellarLedger({
    horizonUrl: network.horizonUrl,
    passphrase: network.networkPassphrase,
    friendbotUrl: network.embedded ? `${network.horizonUrl}/friendbot` : config.friendbotUrl,
    channels: config.stellarChannels,
    logger,
    hubKeys: vaultHubKeys(db, vault, hubProcess),
    name: networkName(network.horizonUrl, network.embedded),
  });
}

/** A reconciler whose every run, scheduled or asked for, is recorded in the metrics (drift, time, failures). */
function recordedReconciler(reconciler: Reconciler, metrics: Metrics): Reconciler {
  return {
    async run(opts) {
      try {
        const drift = await reconciler.run(opts);
        metrics.reconciled({ drift });
        return drift;
      } catch (err) {
        metrics.reconciled({ failed: true });
        throw err;
      }
    },
  };
}

/** A submission unanswered this long makes the hub not ready: the network accepts but confirms nothing. */
const SUBMISSION_STALL_MS = 30_000;

export interface Hub extends Core {
  config: Config;
  logger: Logger;
  db: Database;
  vault: Vault;
  network: StellarNetwork;
  ledger: StellarLedger;
  /** Where the HTTP API listens (actual port, also when PORT=0). */
  url: string;
  /** Who may use the governance API (enabled or not, and where its tokens come from). */
  governance: Authenticator;
  /** What the protocols added to the governance API. */
  governancePlugins: GovernancePlugins;
  /** Governance tokens kept in the database (beside GOVERNANCE_TOKENS). */
  tokens: TokenStore;
  stop(): Promise<void>;
}

/**
 * Database, migrations and vault: what every command needs, HTTP or not. With
 * `attach`, an admin command run beside a hub on the same DATA_DIR shares that hub's
 * embedded database instead of failing on the DATA_DIR lock.
 */
export async function openStorage(config: Config, logger: Logger, opts: { attach?: boolean } = {}): Promise<{
  db: Database; vault: Vault; masterKey: MasterKeySource; close(): Promise<void>;
}> {
  let unlock = () => {};
  let attach = false;
  // DATA_DIR is one process's when it holds an embedded database or devnet. With a
  // PostgreSQL server and an outside Stellar network it holds nothing the processes could
  // fight over, and several hub processes may share one (core/processes.ts).
  const shared = config.databaseUrl !== null && config.stellar.kind === 'external';
  try {
    if (!shared) unlock = lockDataDir(config.dataDir);
  } catch (err) {
    if (!(opts.attach && err instanceof DataDirInUseError)) throw err;
    attach = !config.databaseUrl; // a server database needs no attaching
    logger.info({ pid: err.pid }, 'attaching to the database of the hub running on DATA_DIR');
  }
  let db: Database | null = null;
  try {
    db = await openDatabase({
      databaseUrl: config.databaseUrl, dataDir: config.dataDir, attach,
      onChangeError: (err, what) => logger.warn({ reason: err.message }, `${what} failed`),
    });
    const applied = await db.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    const masterKey = loadMasterKey({ masterKey: config.masterKey, dataDir: config.dataDir, embedded: db.embedded });
    if (masterKey.origin !== 'MASTER_KEY') {
      logger.warn({ file: masterKey.file }, 'using a master key kept in DATA_DIR: anyone who can read DATA_DIR can read every custodial secret; set MASTER_KEY for production');
    }
    const file = masterKey.file;
    const vault = await openVault({ db, masterKey: masterKey.key, reload: file ? () => readKeyFile(file) : undefined });
    const opened = db;
    return {
      db: opened, vault, masterKey,
      async close() {
        await opened.close();
        unlock();
      },
    };
  } catch (err) {
    await db?.close();
    unlock();
    throw err;
  }
}

export async function startHub(config: Config, opts: { logger?: Logger } = {}): Promise<Hub> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const storage = await openStorage(config, logger);
  const { db, vault } = storage;
  let network: StellarNetwork;
  try {
    network = await openStellarNetwork(config.stellar, config.dataDir);
  } catch (err) {
    await storage.close();
    throw err;
  }

  // Registered before anything is leased or resumed: the other processes on this database
  // see it alive, and leave its channels and transfers alone (core/processes.ts).
  const hubProcess = createHubProcess({ db, logger });
  let ledger: StellarLedger;
  try {
    await hubProcess.start();
    ledger = await openLedger(config, network, db, vault, logger, hubProcess);
  } catch (err) {
    await hubProcess.stop();
    await network.close();
    await storage.close();
    throw err;
  }
  const core = buildCore({ db, vault, ledger, logger, rebalanceDelayMs: config.rebalanceDelayMs, transferWaitMs: config.transferWaitMs, newcomers: config.newcomers, process: hubProcess });
  // Finish whatever a previous run left half done, before taking new work.
  await core.communities.resumeProvisioning();
  await core.rates.resume();
  await core.creditLines.load();
  await core.netting.resume();
  const resumed = await core.transfers.resume();
  if (resumed > 0) logger.info({ resumed }, 'unfinished transfers resumed');
  checkEveryBook(core.rebalancer, await core.communities.list());
  core.deliveries.start();

  const metrics = createMetrics();
  const reconciler = recordedReconciler(core.reconciler, metrics);
  observeHub(metrics, {
    figures: createFigures(db),
    database: () => db.outages(),
    ledger: () => ({ backlog: ledger.backlog(), ...ledger.waiting() }),
  });
  const governance = governanceAuth(config, logger);
  const tokens = await createTokenStore({ db, vault });
  // PORT=0 (tests) listens on a port known only after listen: the public URL follows it.
  let listeningUrl = config.publicUrl;
  const publicUrl = () => (config.port === 0 ? listeningUrl : config.publicUrl);
  const protocols: Protocol[] = PROTOCOLS.flatMap((p) => (p.start ? [p.start({ ...core, config, db, ledger, logger, publicUrl })] : []));
  const governancePlugins: GovernancePlugins = { operations: protocols.flatMap((p) => p.governance), schemas: PROTOCOL_SCHEMAS };
  const app = createHttpApp({
    logger,
    metrics,
    bodyLimit: config.bodyLimit,
    owners: protocols.map((p) => p.paths),
    routers: [
      healthRouter({
        metrics,
        checks: {
          database: databaseCheck(db),
          ledger: ledgerCheck(networkName(network.horizonUrl, network.embedded), network, ledger, Math.max(SUBMISSION_STALL_MS, config.transferWaitMs)),
        },
      }),
      governanceRouter({ ...core, reconciler, db, auth: governance, tokens, plugins: governancePlugins }),
      dashboardRouter(),
      ...protocols.map((p) => p.router),
    ],
  });

  let http: Awaited<ReturnType<typeof listen>>;
  try {
    http = await listen(app, config.port, config.host, config.shutdownTimeoutMs);
  } catch (err) {
    await ledger.close();
    await hubProcess.stop();
    await network.close();
    await storage.close();
    throw err;
  }
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${http.port}`;
  listeningUrl = url;

  // Periodic reconciliation repairs what is safe and logs the rest (RECONCILE_INTERVAL_MS).
  let reconciling: Promise<unknown> | null = null;
  const timer = config.reconcileIntervalMs > 0
    ? setInterval(() => {
      reconciling ??= reconciler.run({ repair: true })
        .catch((err) => logger.error({ err }, 'reconciliation failed'))
        .finally(() => { reconciling = null; });
    }, config.reconcileIntervalMs)
    : null;
  timer?.unref();
  // Netting every NETTING_INTERVAL_MS among the communities that opted in (the service runs one at a time).
  const netting = config.nettingIntervalMs > 0
    ? setInterval(() => {
      core.netting.run('hub (NETTING_INTERVAL_MS)')
        .then((r) => logger.info({ run: r.id, state: r.state, cleared: r.cleared.toString() }, 'netting run'))
        .catch((err) => logger.error({ err }, 'netting run failed'));
    }, config.nettingIntervalMs)
    : null;
  netting?.unref();
  // The embedded database has no autovacuum of its own (see Database.maintain).
  const upkeep = db.embedded
    ? setInterval(() => { db.maintain().catch((err) => logger.warn({ err }, 'database upkeep failed')); }, 60_000)
    : null;
  upkeep?.unref();
  const takeover = startTakeover(core, logger);

  let stopping: Promise<void> | null = null;
  return {
    ...core, reconciler, config, logger, db, vault, network, ledger, url, governance, governancePlugins, tokens,
    stop() {
      stopping ??= (async () => {
        if (timer) clearInterval(timer);
        if (netting) clearInterval(netting);
        if (upkeep) clearInterval(upkeep);
        await http.stop();
        await takeover.stop();
        await reconciling;
        await core.deliveries.stop();
        await core.rebalancer.idle();
        await ledger.close();
        // Leaving the registry gives the channels and what is unfinished to the others at once.
        await hubProcess.stop();
        await network.close();
        await storage.close();
      })();
      return stopping;
    },
  };
}
