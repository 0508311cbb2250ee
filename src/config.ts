/**
 * The one place that reads the environment. Every variable is parsed and checked
 * here; a bad value stops start-up with one message that names every variable at
 * fault and what it expects, so an operator fixes them all in one go.
 */
import path from 'node:path';

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
  /** Channel accounts submitting in parallel (one transaction in flight each). */
  stellarChannels: number;
  /** Funds the hub's sponsor on test networks; null where there is none (pubnet). */
  friendbotUrl: string | null;
  logLevel: LogLevel;
  /** Largest request body accepted, in bytes (413 beyond). */
  bodyLimit: number;
  /** How long SIGTERM waits for in-flight requests before closing connections. */
  shutdownTimeoutMs: number;
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

  const stellarChannels = int('STELLAR_CHANNELS', 10, 1, 100, 'the number of channel accounts');
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

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port, host, publicUrl, databaseUrl, dataDir, masterKey, newMasterKey, stellar, stellarChannels, friendbotUrl,
    logLevel: level as LogLevel, bodyLimit, shutdownTimeoutMs,
  };
}
