/**
 * The hub operators' bootstrap: bearer tokens, one per actor (GOVERNANCE_TOKENS). The
 * actor's name is what every audit entry records, so each person or body gets a token of
 * their own. These are operators' tokens; governing bodies' and auditors' are created by
 * an operator and kept in the database (tokens.ts, roles in access.ts).
 *
 * Only sha256 digests are kept in memory and compared with timingSafeEqual: equal
 * lengths whatever the presented token, and no early exit that would time the match.
 * The embedded default (a laptop) generates one `admin` token into DATA_DIR; a server
 * deployment without tokens keeps the API closed rather than opening it to anyone.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Config, GovernanceToken } from '../config';
import { ensureDir } from '../db/data-dir';
import { Logger } from '../logger';
import { Redacted } from '../vault/redacted';

export const TOKEN_FILE = 'governance.token';
export const GENERATED_ACTOR = 'admin';

export type Authenticator =
  | {
    enabled: true;
    /** Where the tokens come from, for the start-up message (never a token). */
    describe: string;
    /** The actor holding this bearer token, or null. */
    authenticate(token: string): string | null;
  }
  | { enabled: false; describe: string; reason: string };

export function tokenFile(dataDir: string): string {
  return path.join(dataDir, TOKEN_FILE);
}

const digest = (s: string): Buffer => crypto.createHash('sha256').update(s, 'utf8').digest();

export function createAuthenticator(tokens: GovernanceToken[], describe = `tokens for ${tokens.map((t) => t.actor).join(', ')}`): Authenticator {
  const known = tokens.map((t) => ({ actor: t.actor, digest: digest(t.token.reveal()) }));
  return {
    enabled: true,
    describe,
    authenticate(token) {
      const presented = digest(token);
      let actor: string | null = null;
      // Compare with every token, so the time taken does not say which one matched.
      for (const k of known) if (crypto.timingSafeEqual(presented, k.digest) && actor === null) actor = k.actor;
      return actor;
    },
  };
}

/** Read the generated token file, or write a new one (mode 0600, atomically). */
export function readOrCreateTokenFile(dataDir: string): { token: Redacted<string>; created: boolean } {
  const file = tokenFile(dataDir);
  if (fs.existsSync(file)) return { token: new Redacted(fs.readFileSync(file, 'utf8').trim()), created: false };
  ensureDir(dataDir);
  const token = crypto.randomBytes(32).toString('base64url');
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  fs.writeSync(fd, `${token}\n`);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return { token: new Redacted(token), created: true };
}

/** The governance API's authenticator for this configuration, saying at start-up what it chose. */
export function governanceAuth(config: Config, logger: Logger): Authenticator {
  if (config.governanceTokens) {
    logger.info({ actors: config.governanceTokens.map((t) => t.actor) }, 'governance API enabled for the actors in GOVERNANCE_TOKENS');
    return createAuthenticator(config.governanceTokens, `tokens for ${config.governanceTokens.map((t) => t.actor).join(', ')} (GOVERNANCE_TOKENS)`);
  }
  if (config.databaseUrl) {
    const reason = 'the governance API is disabled: this hub runs on a PostgreSQL server and GOVERNANCE_TOKENS is not set; '
      + 'set GOVERNANCE_TOKENS="name:token,…" (tokens of at least 32 characters, e.g. `openssl rand -base64 32`) and restart';
    logger.warn(reason);
    return { enabled: false, reason, describe: 'disabled (no GOVERNANCE_TOKENS with a database server)' };
  }
  const { token, created } = readOrCreateTokenFile(config.dataDir);
  logger.warn({ file: tokenFile(config.dataDir), actor: GENERATED_ACTOR, created },
    'governance API token kept in DATA_DIR: anyone who can read DATA_DIR can govern this hub; set GOVERNANCE_TOKENS for production');
  return createAuthenticator([{ actor: GENERATED_ACTOR, token }], `token for "${GENERATED_ACTOR}" in ${tokenFile(config.dataDir)}`);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer +([\x21-\x7e]+) *$/i.exec(header ?? '');
  return m ? m[1] : null;
}
