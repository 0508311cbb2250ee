/**
 * The one place that reads the environment. Every variable is parsed and checked
 * here; a bad value stops start-up with one message that names every variable at
 * fault and what it expects, so an operator fixes them all in one go.
 */
import path from 'node:path';
import { Redacted } from './vault/redacted';
import { isAmountError, parseAmount } from './core/amounts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** Port the hub's HTTP API listens on. */
  port: number;
  /** Interface to bind; 127.0.0.1 unless the operator opens it up. */
  host: string;
  /** Base URL peers use to reach this hub (account URIs are built from it). */
  publicUrl: string;
  /** PostgreSQL server; absent = embedded PostgreSQL in dataDir. */
  databaseUrl: string | null;
  dataDir: string;
  /** 32-byte master key, or null in embedded mode (generated and kept in dataDir). */
  masterKey: Buffer | null;
  /** Target key of `intertrade keys rotate-master` (NEW_MASTER_KEY); unused by the hub itself. */
  newMasterKey: Buffer | null;
  stellar:
    | { kind: 'external'; horizonUrl: string; networkPassphrase: string }
    | { kind: 'embedded'; port: number; close: 'instant' | number };
  /** How often the hub reconciles its records with the ledger (0: never on its own). */
  reconcileIntervalMs: number;
  /** NETTING_INTERVAL_MS: between netting runs; 0, only on demand. */
  /** NEWCOMER_COMMUNITY / NEWCOMER_CREDIT_LINE: the community every new one gets reciprocal lines with (HOUR stroops); null: none. */
  newcomers: { community: string; limitHour: bigint } | null;
  nettingIntervalMs: number;
  /**
   * How long after a settlement the traders' offers of its communities are rebalanced,
   * in one transaction for all settlements meanwhile (0: at once); a payment that needs
   * them sooner has them rebalanced first.
   */
  rebalanceDelayMs: number;
  /** Channel accounts submitting in parallel (one transaction in flight each). */
  stellarChannels: number;
  /**
   * Longest a request waits for its payment to be final on the ledger. A payment not
   * final by then (the network slow or down) is answered as accepted and still settling:
   * it is recorded, goes on, and a repeat of the same request tells its outcome.
   */
  transferWaitMs: number;
  /** Funds the hub's sponsor on test networks; null where there is none (pubnet). */
  friendbotUrl: string | null;
  logLevel: LogLevel;
  /** Largest request body accepted, in bytes (413 beyond). */
  bodyLimit: number;
  /** How long SIGTERM waits for in-flight requests before closing connections. */
  shutdownTimeoutMs: number;
  /**
   * Bearer tokens of the governance API (GOVERNANCE_TOKENS), one per actor; null when
   * none are configured (embedded: one is generated into DATA_DIR; server: API disabled).
   */
  governanceTokens: GovernanceToken[] | null;
  /**
   * WORKERS: hub processes `intertrade start` runs on this machine, sharing its port
   * (src/cluster.ts); more than one needs DATABASE_URL. `--workers N` overrides it.
   */
  workers: number;
  /** Calls to Komunitin peer servers: what they may reach, and their limits. */
  komunitin: KomunitinConfig;
  clearingCentral: ClearingCentralConfig;
}

/** Calls to Clearing Central (txinput.php): the original has no overall timeout; the hub always does. */
export interface ClearingCentralConfig {
  /** Most a call may take, connection to last byte; past it the bill is "unknown at Clearing Central". */
  timeoutMs: number;
  /** Largest answer read; a larger one is garbage (the bill is unknown there). */
  maxResponseBytes: number;
  /** How long a bill rests unanswered (unknown, or a send a crash cut) before reconciliation asks Clearing Central again. */
  resolveAfterMs: number;
  /** The hub as a Clearing Central: where txinput.php and the rest are served (a path, e.g. /cc). */
  serverPath: string;
  /** Most a forward to a buyer exchange's data_url may take, connection to last byte (14 past it). */
  forwardTimeoutMs: number;
}

export interface KomunitinConfig {
  /** Development: peers over plain http:// and on loopback or private addresses are allowed. */
  dev: boolean;
  /** Hosts allowed even on private or loopback addresses (e.g. a peer on the same LAN). */
  allowedHosts: string[];
  /** Most a call to a peer may take, connection to last byte. */
  timeoutMs: number;
  /** Largest answer read from a peer; larger ones are cut and refused. */
  maxResponseBytes: number;
  /** How long a peer's account and currency resources are trusted before fetching them again. */
  cacheTtlMs: number;
}

export interface GovernanceToken {
  /** Who acts with this token: the name written into every audit entry. */
  actor: string;
  token: Redacted<string>;
}

/** What the governance CLI needs: where the hub is and how to authenticate. */
export interface ClientConfig {
  /** Base URL of the running hub (HUB_URL, default http://127.0.0.1:$PORT). */
  hubUrl: string;
  /** GOVERNANCE_TOKEN; null = read DATA_DIR/governance.token. */
  governanceToken: Redacted<string> | null;
  dataDir: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parse a 32-byte key given as 64 hex characters or base64 (padded or url-safe). */
export function parseKey(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const b = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return b;
  }
  return null;
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };

  const int = (name: string, def: number, min: number, max: number, what: string): number => {
    const v = get(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(v)}: expected ${what} (an integer from ${min} to ${max})`);
      return def;
    }
    return n;
  };

  const url = (name: string, value: string | undefined, protocols: string[]): string | undefined => {
    if (value === undefined) return undefined;
    try {
      const u = new URL(value);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return value.replace(/\/+$/, '');
    } catch {
      problems.push(`${name}=${JSON.stringify(value)}: expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      return undefined;
    }
  };

  const port = int('PORT', 8080, 0, 65535, 'the TCP port for the HTTP API');
  const host = get('HOST') ?? '127.0.0.1';
  const publicUrl = url('PUBLIC_URL', get('PUBLIC_URL'), ['http:', 'https:']) ?? `http://localhost:${port}`;
  const databaseUrl = url('DATABASE_URL', get('DATABASE_URL'), ['postgres:', 'postgresql:']) ?? null;
  const dataDir = path.resolve(get('DATA_DIR') ?? './data');

  let masterKey: Buffer | null = null;
  const mk = get('MASTER_KEY');
  if (mk !== undefined) {
    masterKey = parseKey(mk);
    if (!masterKey) problems.push('MASTER_KEY: expected 32 random bytes as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)');
  } else if (get('DATABASE_URL') !== undefined) {
    problems.push('MASTER_KEY: required when DATABASE_URL is set (32 random bytes as hex or base64, e.g. `openssl rand -base64 32`); only the embedded database keeps a generated key in DATA_DIR');
  }

  let newMasterKey: Buffer | null = null;
  const nmk = get('NEW_MASTER_KEY');
  if (nmk !== undefined) {
    newMasterKey = parseKey(nmk);
    if (!newMasterKey) problems.push('NEW_MASTER_KEY: expected 32 random bytes as 64 hex characters or base64');
  }

  let stellar: Config['stellar'];
  const horizon = get('STELLAR_HORIZON_URL');
  const passphrase = get('STELLAR_NETWORK_PASSPHRASE');
  if (horizon !== undefined) {
    const horizonUrl = url('STELLAR_HORIZON_URL', horizon, ['http:', 'https:']);
    if (passphrase === undefined) {
      problems.push('STELLAR_NETWORK_PASSPHRASE: required with STELLAR_HORIZON_URL (e.g. "Test SDF Network ; September 2015" for testnet)');
    }
    stellar = { kind: 'external', horizonUrl: horizonUrl ?? '', networkPassphrase: passphrase ?? '' };
  } else {
    if (passphrase !== undefined) {
      problems.push('STELLAR_NETWORK_PASSPHRASE: only meaningful with STELLAR_HORIZON_URL; the embedded devnet uses "Standalone Network ; February 2017"');
    }
    const closeRaw = get('DEVNET_CLOSE') ?? '1000';
    let close: 'instant' | number = 1000;
    if (closeRaw === 'instant') close = 'instant';
    else if (/^\d+$/.test(closeRaw) && Number(closeRaw) >= 10 && Number(closeRaw) <= 60000) close = Number(closeRaw);
    else problems.push(`DEVNET_CLOSE=${JSON.stringify(closeRaw)}: expected "instant" or a ledger close interval in ms (10 to 60000)`);
    stellar = { kind: 'embedded', port: int('DEVNET_PORT', 8000, 0, 65535, 'the TCP port of the embedded devnet'), close };
  }

  const reconcileIntervalMs = int('RECONCILE_INTERVAL_MS', 300000, 0, 86400000, 'milliseconds between reconciliations with the ledger (0 disables)');
  const newcomerCode = get('NEWCOMER_COMMUNITY');
  const newcomerLine = get('NEWCOMER_CREDIT_LINE') ?? '100';
  let newcomers: Config['newcomers'] = null;
  if (newcomerCode !== undefined) {
    const limit = parseAmount(newcomerLine, { allowZero: false });
    if (!/^[A-Z0-9]{4}$/.test(newcomerCode)) problems.push(`NEWCOMER_COMMUNITY=${JSON.stringify(newcomerCode)}: expected a community code (4 capital letters or digits)`);
    else if (isAmountError(limit)) problems.push(`NEWCOMER_CREDIT_LINE=${JSON.stringify(newcomerLine)}: expected a positive amount of HOUR with at most 7 decimals`);
    else newcomers = { community: newcomerCode, limitHour: limit };
  }
  const nettingIntervalMs = int('NETTING_INTERVAL_MS', 0, 0, 604800000, 'milliseconds between netting runs (0: only on demand)');
  const rebalanceDelayMs = int('REBALANCE_DELAY_MS', 1000, 0, 600000, 'milliseconds from a settlement to the rebalance of its traders\' offers');
  const stellarChannels = int('STELLAR_CHANNELS', 10, 1, 100, 'the number of channel accounts');
  const transferWaitMs = int('TRANSFER_WAIT_MS', 10000, 100, 600000, 'milliseconds a request waits for its payment to be final on the ledger before it is answered as still settling');
  const TESTNET = 'Test SDF Network ; September 2015';
  const STANDALONE = 'Standalone Network ; February 2017';
  let friendbotUrl = url('STELLAR_FRIENDBOT_URL', get('STELLAR_FRIENDBOT_URL'), ['http:', 'https:']) ?? null;
  if (!friendbotUrl && stellar.kind === 'external') {
    if (stellar.networkPassphrase === TESTNET) friendbotUrl = 'https://friendbot.stellar.org';
    else if (stellar.networkPassphrase === STANDALONE) friendbotUrl = `${stellar.horizonUrl}/friendbot`;
  }

  const level = (get('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(level as LogLevel)) {
    problems.push(`LOG_LEVEL=${JSON.stringify(level)}: expected one of ${LOG_LEVELS.join(', ')}`);
  }

  const bodyLimit = int('BODY_LIMIT', 256 * 1024, 1024, 64 * 1024 * 1024, 'the largest request body in bytes');
  const shutdownTimeoutMs = int('SHUTDOWN_TIMEOUT_MS', 10000, 0, 600000, 'milliseconds to drain requests on SIGTERM');

  const workers = int('WORKERS', 1, 1, 64, 'the number of hub processes on this machine');

  const governanceTokens = parseGovernanceTokens(get('GOVERNANCE_TOKENS'), problems);

  const devRaw = (get('KOMUNITIN_DEV') ?? (stellar.kind === 'embedded' ? 'true' : 'false')).toLowerCase();
  if (devRaw !== 'true' && devRaw !== 'false') problems.push(`KOMUNITIN_DEV=${JSON.stringify(devRaw)}: expected true or false`);
  const allowedHosts = (get('KOMUNITIN_ALLOWED_HOSTS') ?? '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  for (const h of allowedHosts) {
    if (!/^[a-z0-9.:[\]-]{1,253}$/.test(h)) problems.push(`KOMUNITIN_ALLOWED_HOSTS: "${h}" is not a host name or IP address`);
  }
  const komunitin: KomunitinConfig = {
    dev: devRaw === 'true',
    allowedHosts,
    timeoutMs: int('KOMUNITIN_TIMEOUT_MS', 10000, 100, 120000, 'milliseconds a call to a Komunitin peer may take'),
    maxResponseBytes: int('KOMUNITIN_MAX_RESPONSE_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024, 'the largest answer read from a Komunitin peer, in bytes'),
    cacheTtlMs: int('KOMUNITIN_CACHE_TTL_MS', 3600000, 0, 86400000, 'milliseconds a peer\'s account and currency are cached'),
  };

  const clearingCentral: ClearingCentralConfig = {
    timeoutMs: int('CLEARING_CENTRAL_TIMEOUT_MS', 10000, 100, 120000, 'milliseconds a call to Clearing Central may take'),
    resolveAfterMs: int('CLEARING_CENTRAL_RESOLVE_AFTER_MS', 60000, 100, 86400000, 'milliseconds an unanswered bill rests before it is asked about again'),
    maxResponseBytes: int('CLEARING_CENTRAL_MAX_RESPONSE_BYTES', 65536, 1024, 16 * 1024 * 1024, 'the largest answer read from Clearing Central, in bytes'),
    serverPath: (get('CLEARING_CENTRAL_SERVER_PATH') ?? '/cc').replace(/\/+$/, ''),
    forwardTimeoutMs: int('CLEARING_CENTRAL_FORWARD_TIMEOUT_MS', 10000, 100, 120000, 'milliseconds a forward to a buyer exchange may take'),
  };
  if (!/^\/[a-z0-9._-]{1,32}$/i.test(clearingCentral.serverPath) || clearingCentral.serverPath === '/clearing-central') {
    problems.push(`CLEARING_CENTRAL_SERVER_PATH=${JSON.stringify(clearingCentral.serverPath)}: expected one path segment such as /cc (not /clearing-central, the data_url's)`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port, host, publicUrl, databaseUrl, dataDir, masterKey, newMasterKey, stellar, reconcileIntervalMs, nettingIntervalMs, newcomers, rebalanceDelayMs, stellarChannels, transferWaitMs, friendbotUrl,
    logLevel: level as LogLevel, bodyLimit, shutdownTimeoutMs, governanceTokens, workers, komunitin, clearingCentral,
  };
}

export const GOVERNANCE_TOKEN_MIN_LENGTH = 32;
const ACTOR = /^[A-Za-z0-9._@-]{1,64}$/;
const TOKEN = /^[\x21-\x7e]+$/;

/**
 * GOVERNANCE_TOKENS="alice:<token>,bob:<token>". Problems name the entry by actor or
 * position, never by its token, so a start-up error cannot leak a secret into logs.
 */
function parseGovernanceTokens(value: string | undefined, problems: string[]): GovernanceToken[] | null {
  if (value === undefined) return null;
  const out: GovernanceToken[] = [];
  const seen = new Set<string>();
  value.split(',').forEach((raw, i) => {
    const entry = raw.trim();
    const colon = entry.indexOf(':');
    const actor = colon > 0 ? entry.slice(0, colon) : '';
    const token = colon > 0 ? entry.slice(colon + 1) : '';
    const where = ACTOR.test(actor) ? `entry "${actor}"` : `entry ${i + 1}`;
    if (!ACTOR.test(actor)) {
      problems.push(`GOVERNANCE_TOKENS: ${where} must be name:token with a name of 1 to 64 characters A–Z, a–z, 0–9, ".", "_", "@" or "-"`);
    } else if (token.length < GOVERNANCE_TOKEN_MIN_LENGTH || !TOKEN.test(token)) {
      problems.push(`GOVERNANCE_TOKENS: ${where} needs a token of at least ${GOVERNANCE_TOKEN_MIN_LENGTH} printable characters without spaces or commas (e.g. \`openssl rand -base64 32\`)`);
    } else if (seen.has(actor)) {
      problems.push(`GOVERNANCE_TOKENS: actor "${actor}" is listed twice`);
    } else if (out.some((t) => t.token.reveal() === token)) {
      problems.push(`GOVERNANCE_TOKENS: ${where} reuses another actor's token; each actor needs its own so the audit log can tell them apart`);
    } else {
      seen.add(actor);
      out.push({ actor, token: new Redacted(token) });
    }
  });
  return out;
}

/**
 * The governance CLI's configuration, apart from the hub's: an operator may run the
 * CLI against a remote hub without the hub's own variables (MASTER_KEY, …).
 */
export function loadClientConfig(env: Env = process.env): ClientConfig {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const given = get('HUB_URL');
  const portRaw = get('PORT') ?? '8080';
  let hubUrl = `http://127.0.0.1:${portRaw}`;
  if (given !== undefined) {
    try {
      const u = new URL(given);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      hubUrl = given.replace(/\/+$/, '');
    } catch {
      problems.push(`HUB_URL=${JSON.stringify(given)}: expected the hub's base URL, e.g. http://127.0.0.1:8080`);
    }
  } else if (!/^\d+$/.test(portRaw) || Number(portRaw) < 1 || Number(portRaw) > 65535) {
    problems.push(`PORT=${JSON.stringify(portRaw)}: expected the TCP port of the running hub (1 to 65535), or set HUB_URL`);
  }
  const token = get('GOVERNANCE_TOKEN');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    hubUrl,
    governanceToken: token === undefined ? null : new Redacted(token),
    dataDir: path.resolve(get('DATA_DIR') ?? './data'),
  };
}
