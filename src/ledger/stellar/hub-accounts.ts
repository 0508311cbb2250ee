/**
 * The hub's own Stellar accounts: one sponsor, which pays every reserve and every fee
 * (through fee bumps), and the channel accounts that source transactions so several
 * can be in flight at once (plus one for upkeep). Created on first start, their secrets sealed in the vault.
 * On networks with a friendbot (the devnet, testnet, quickstart) the sponsor is funded
 * from it; elsewhere the operator funds it, and start-up says how.
 */
import { Horizon, Keypair, NotFoundError, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { Logger } from '../../logger';
import { Redacted } from '../../vault/redacted';

export interface HubKeyStore {
  load(name: string): Promise<{ publicKey: string; secret: Redacted<string> } | null>;
  save(name: string, publicKey: string, secret: Redacted<string>): Promise<void>;
  /**
   * Several hub processes on one database: take the channel `name` for this process, if
   * no live process holds it (true: ours). A channel has one process, since each tracks its
   * sequence number itself. Absent: one process alone, every channel its own.
   */
  lease?(name: string): Promise<boolean>;
}

/** Channel names: payment channels `channel:0`, `channel:1`, …; upkeep `channel:maintenance`, `channel:maintenance:1`, … */
const channelName = (lane: 'payment' | 'maintenance', k: number): string =>
  lane === 'payment' ? `channel:${k}` : k === 0 ? 'channel:maintenance' : `channel:maintenance:${k}`;

/** The first `count` channels of a lane this process may have: the lowest free names, new ones when all are held. */
async function leaseChannels(store: HubKeyStore, lane: 'payment' | 'maintenance', count: number): Promise<string[]> {
  const out: string[] = [];
  for (let k = 0; out.length < count; k++) {
    const name = channelName(lane, k);
    if (!store.lease || await store.lease(name)) out.push(name);
  }
  return out;
}

export interface HubAccounts {
  sponsor: Keypair;
  channels: Keypair[];
  /** Carries upkeep (trader offers) so payment channels always carry full batches. */
  maintenance: Keypair;
}

async function keyFor(store: HubKeyStore, name: string): Promise<Keypair> {
  const found = await store.load(name);
  if (found) return Keypair.fromSecret(found.secret.reveal());
  const kp = Keypair.random();
  try {
    await store.save(name, kp.publicKey(), new Redacted(kp.secret()));
  } catch (err) {
    // Another process starting at the same moment saved its key under this name first: use that one.
    const theirs = await store.load(name);
    if (theirs) return Keypair.fromSecret(theirs.secret.reveal());
    throw err;
  }
  return kp;
}

async function exists(server: Horizon.Server, id: string): Promise<boolean> {
  try {
    await server.loadAccount(id);
    return true;
  } catch (e) {
    if (e instanceof NotFoundError) return false;
    throw e;
  }
}

export async function ensureHubAccounts(opts: {
  server: Horizon.Server;
  passphrase: string;
  friendbotUrl: string | null;
  store: HubKeyStore;
  channelCount: number;
  logger: Logger;
}): Promise<HubAccounts> {
  const { server, store, logger } = opts;
  const sponsor = await keyFor(store, 'sponsor');
  if (!(await exists(server, sponsor.publicKey()))) {
    if (!opts.friendbotUrl) {
      throw new Error(
        `the hub's sponsor account ${sponsor.publicKey()} does not exist on this network: ` +
        'send it XLM (it pays every reserve and fee; 100 XLM is a start), then start the hub again',
      );
    }
    const res = await fetch(`${opts.friendbotUrl}?addr=${encodeURIComponent(sponsor.publicKey())}`);
    await res.body?.cancel();
    // Refused because another process starting at the same moment (`--workers N`, replicas on
    // a fresh database) had it funded first: the account is there, which is all that counts.
    if (!res.ok && !(await exists(server, sponsor.publicKey()))) {
      throw new Error(`friendbot at ${opts.friendbotUrl} refused to fund the sponsor (${res.status})`);
    }
    logger.info({ sponsor: sponsor.publicKey() }, res.ok ? 'sponsor account funded from friendbot' : 'sponsor account funded by another hub process');
  }

  const channels: Keypair[] = [];
  for (const name of await leaseChannels(store, 'payment', opts.channelCount)) channels.push(await keyFor(store, name));
  const [maintenanceName] = await leaseChannels(store, 'maintenance', 1);
  const maintenance = await keyFor(store, maintenanceName);
  // Another process starting now may create its channels from the sponsor too: one of the
  // two then fails on the sponsor's sequence, and reads again.
  for (let attempt = 1; ; attempt++) {
    try {
      await createMissing(opts, sponsor, [...channels, maintenance]);
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      logger.warn({ err: (err as Error).message, attempt }, 'creating channel accounts failed; trying again');
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
  return { sponsor, channels, maintenance };
}

async function createMissing(opts: { server: Horizon.Server; passphrase: string; logger: Logger }, sponsor: Keypair, wanted: Keypair[]): Promise<void> {
  const { server, logger } = opts;
  const missing: Keypair[] = [];
  for (const c of wanted) if (!(await exists(server, c.publicKey()))) missing.push(c);
  if (missing.length > 0) {
    // Channels hold no XLM: the sponsor pays their reserves and, by fee bumps, their fees.
    const account = await server.loadAccount(sponsor.publicKey());
    const b = new TransactionBuilder(account, { fee: '100', networkPassphrase: opts.passphrase }).setTimeout(60);
    for (const c of missing) {
      b.addOperation(Operation.beginSponsoringFutureReserves({ sponsoredId: c.publicKey() }));
      b.addOperation(Operation.createAccount({ destination: c.publicKey(), startingBalance: '0' }));
      b.addOperation(Operation.endSponsoringFutureReserves({ source: c.publicKey() }));
    }
    const tx = b.build();
    tx.sign(sponsor, ...missing);
    await server.submitTransaction(tx, { skipMemoRequiredCheck: true });
    logger.info({ channels: missing.length }, 'channel accounts created');
  }
}
