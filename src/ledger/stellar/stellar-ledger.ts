/**
 * The Stellar implementation of the core's Ledger port, over Horizon's HTTP API with
 * @stellar/stellar-sdk: the same code against the embedded devnet, a quickstart
 * container, testnet or pubnet.
 */
import { settleClearing } from './netting';
import { Horizon, Keypair, NotFoundError, TransactionBuilder } from '@stellar/stellar-sdk';
import { HOUR, assetFromId, localAsset as localAssetOf } from './assets';
import { Ledger } from '../../core/ledger';
import { Logger } from '../../logger';
import { Redacted } from '../../vault/redacted';
import * as currency from './currency';
import { HubKeyStore, ensureHubAccounts } from './hub-accounts';
import * as payments from './payments';
import { Submitter, Waiting } from './submitter';
import { Unavailable, reasonOf } from '../../unavailable';
import { paymentsIn } from './transaction-payments';

export interface StellarLedgerOptions {
  horizonUrl: string;
  passphrase: string;
  /** Where the sponsor can be funded on a test network; null on pubnet. */
  friendbotUrl: string | null;
  hubKeys: HubKeyStore;
  channels: number;
  logger: Logger;
  /** How outages name the network ("the Stellar network (Horizon at URL)"). */
  name?: string;
}

export interface StellarLedger extends Ledger {
  readonly sponsor: string;
  /** Jobs waiting for a channel. */
  backlog(): number;
  /** Submissions not answered yet, and the age of the oldest (a network that stopped answering). */
  waiting(): Waiting;
}

/**
 * Horizon not reached or not answering (no HTTP answer, or a gateway's 502/503/504):
 * an outage, not a refusal. The SDK keeps only the message of a network error.
 */
export function horizonDown(err: unknown): boolean {
  const e = err as { message?: unknown; response?: { status?: unknown } };
  if (e?.response && [502, 503, 504].includes(Number(e.response.status))) return true;
  const m = typeof e?.message === 'string' ? e.message : '';
  return /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)\b|socket hang up|timeout of \d+ms exceeded|network error|fetch failed/i.test(m);
}

/**
 * The adapter's reads and writes, with Horizon's outages as Unavailable (503 at the
 * edge, naming the network) instead of whatever the SDK threw.
 */
function answeringOutages(ledger: StellarLedger, name: string): StellarLedger {
  const wrapped: Record<string, unknown> = { ...ledger };
  for (const [key, f] of Object.entries(ledger)) {
    if (typeof f !== 'function' || SYNC.has(key)) continue;
    wrapped[key] = async (...args: unknown[]) => {
      try {
        return await (f as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (err) {
        if (!horizonDown(err)) throw err;
        throw new Unavailable('ledger', `${name} does not answer: ${reasonOf(err)}`, 5, { cause: err });
      }
    };
  }
  return wrapped as unknown as StellarLedger;
}
/** Longest a read from Horizon (accounts, paths, transactions) may take; submissions have their own (horizon-post.ts). */
const HORIZON_READ_TIMEOUT_MS = 20_000;

const SYNC = new Set(['newKey', 'quoteRoute', 'pathIssuers', 'backlog', 'waiting', 'close']);

/** How many transactions' payments findPayments keeps (a few batches' worth of notifies). */
const FOUND_MAX = 1000;

async function findTransaction(server: Horizon.Server, hash: string): Promise<{ successful: boolean; ledger: number; resultXdr: string; envelopeXdr: string } | null> {
  try {
    const tx = await server.transactions().transaction(hash).call();
    return { successful: tx.successful, ledger: tx.ledger_attr, resultXdr: tx.result_xdr, envelopeXdr: tx.envelope_xdr };
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}

export async function createStellarLedger(opts: StellarLedgerOptions): Promise<StellarLedger> {
  const server = new Horizon.Server(opts.horizonUrl, { allowHttp: opts.horizonUrl.startsWith('http://') });
  /**
   * Payments of transactions found on the ledger, by hash (the newest FOUND_MAX). A
   * transaction on the ledger never changes, and the hub batches many payments into one:
   * a peer told of each of them asks for the same transaction once per payment, and one
   * look-up and one decoding serve them all (Komunitin's notifies, recovery).
   */
  const found = new Map<string, ReturnType<Ledger['findPayments']>>();
  // The SDK waits for ever by default: a network that accepts connections and never
  // answers would hold every read, and the submission engine's look-ups with them.
  (server.httpClient as unknown as { defaults: { timeout?: number } }).defaults.timeout = HORIZON_READ_TIMEOUT_MS;
  const hub = await ensureHubAccounts({
    server, passphrase: opts.passphrase, friendbotUrl: opts.friendbotUrl, store: opts.hubKeys,
    channelCount: opts.channels, logger: opts.logger,
  });
  // Batches are sized to the network's ledger capacity (1000 operations on pubnet).
  const latest = await server.ledgers().order('desc').limit(1).call();
  const ledgerOps = Number((latest.records[0] as { max_tx_set_size?: number } | undefined)?.max_tx_set_size ?? 1000);
  const submitter = new Submitter({
    ledgerOps,
    server, passphrase: opts.passphrase, sponsor: hub.sponsor, channels: hub.channels, maintenanceChannel: hub.maintenance,
    logger: opts.logger,
  });
  const deps: currency.CurrencyDeps = { server, sponsor: hub.sponsor, submit: (job) => submitter.submit(job) };

  return answeringOutages({
    sponsor: hub.sponsor.publicKey(),
    backlog: () => submitter.backlog,
    waiting: () => submitter.waiting(),
    newKey() {
      const kp = Keypair.random();
      return { publicKey: kp.publicKey(), secret: new Redacted(kp.secret()) };
    },
    provisionCurrency: (c, keys, o) => currency.provisionCurrency(deps, c, keys, o),
    provisionAccount: (c, a, keys) => currency.provisionAccount(deps, c, a, keys),
    setAccountLimits: (c, a, previous, keys) => currency.setAccountLimits(deps, c, a, previous, keys),
    payLocal: (order, keys) => payments.pay(deps.submit, order, keys),
    setCreditLine: (truster, trusted, limit, keys, opts) => currency.setCreditLine(deps, truster, trusted, limit, keys, opts),
    creditLineUsage: (truster, trusted) => currency.creditLineUsage(deps, truster, trusted),
    rebalance: (c, keys) => currency.rebalance(deps, c, keys),
    settleClearing: (legs, keys, onSubmit) => settleClearing(deps, legs, keys, onSubmit),
    async balance(c, publicKey) {
      const account = await server.loadAccount(publicKey);
      return currency.balanceOf(account, localAssetOf(c))?.balance ?? 0n;
    },
    quoteReceive: (from, to, amount) => payments.quoteReceive(server, from, to, amount),
    quoteSend: (from, to, amount) => payments.quoteSend(server, from, to, amount),
    quoteRoute: payments.quoteRoute,
    pathIssuers: (path) => path.map(assetFromId).filter((a) => a.getCode() === HOUR).map((a) => a.getIssuer()),
    pay: (order, keys, onSubmit) => payments.pay(deps.submit, order, keys, onSubmit),
    inspectAccount: (c, publicKey) => currency.inspectAccount(deps, c, publicKey),
    traderLines: (c) => currency.traderLines(deps, c),
    offerDrift: (c) => currency.offerDrift(deps, c),
    async findTransaction(hash) {
      const tx = await findTransaction(server, hash);
      return tx && { successful: tx.successful, ledger: tx.ledger };
    },
    findPayments(hash) {
      // A hash is 64 hex digits; anything else is no transaction (and no odd URL to Horizon).
      if (!/^[0-9a-f]{64}$/i.test(hash)) return Promise.resolve(null);
      const key = hash.toLowerCase();
      const known = found.get(key);
      if (known) return known;
      const task = (async () => {
        const tx = await findTransaction(server, key);
        if (!tx) return null;
        return { successful: tx.successful, ledger: tx.ledger, payments: tx.successful ? paymentsIn(tx.envelopeXdr, tx.resultXdr, opts.passphrase) : [] };
      })();
      found.set(key, task);
      // Only a transaction found stays: one not on the ledger yet may be there a moment later.
      task.then((r) => { if (!r) found.delete(key); }, () => found.delete(key));
      while (found.size > FOUND_MAX) found.delete(found.keys().next().value!);
      return task;
    },
    async recover(hash, envelopeXdr, order) {
      const envelope = TransactionBuilder.fromXDR(envelopeXdr, opts.passphrase);
      const found = async () => {
        const tx = await findTransaction(server, hash);
        if (!tx) return null;
        return { ...tx, sourceAmount: tx.successful ? payments.paidInEnvelope(envelope, tx.resultXdr, order) : undefined };
      };
      const known = await found();
      if (known) return known;
      try {
        const res = await server.submitTransaction(envelope, { skipMemoRequiredCheck: true });
        return { successful: true, ledger: res.ledger, sourceAmount: payments.paidInEnvelope(envelope, res.result_xdr, order) };
      } catch (e) {
        const codes = (e as { response?: { data?: { extras?: { result_codes?: { transaction?: string; inner_transaction?: string; operations?: string[] } } } } })
          .response?.data?.extras?.result_codes;
        const code = codes?.inner_transaction ?? codes?.transaction;
        if (code === 'tx_failed') return { successful: false, ledger: 0, code: codes?.operations?.find((c) => c !== 'op_success') };
        if (code === 'tx_too_late' || code === 'tx_bad_seq') return (await found()) ?? 'expired';
        throw e;
      }
    },
    close: () => submitter.close(),
  }, opts.name ?? `the Stellar network (Horizon at ${opts.horizonUrl})`);
}
