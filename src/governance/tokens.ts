/**
 * Governance tokens kept in the database: created (shown once), listed and revoked
 * through the API; GOVERNANCE_TOKENS remains the operators' bootstrap.
 *
 * A token is "it_<id>_<secret>": the id (12 hex digits) is public and finds the row; the
 * secret is 32 random bytes. What is stored is HMAC-SHA256 of the whole token under a
 * key sealed in the vault: 256 random bits need no slow hash to resist guessing, and
 * without the master key a copy of the database cannot even test a candidate. Digests
 * are compared with timingSafeEqual.
 */
import crypto from 'node:crypto';
import { audit } from '../core/audit';
import { Database } from '../db/database';
import { Vault } from '../vault/vault';
import { Principal, Role } from './access';

const KEY_NAME = 'governance-token-key';
const TOKEN = /^it_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface TokenDetails {
  id: string;
  actor: string;
  role: Role;
  /** Empty: the whole hub. */
  communities: string[];
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
}

export interface TokenStore {
  /** The new token (its only appearance) and what it grants. */
  create(input: { actor: string; role: Role; communities: string[]; expiresAt: Date | null }, by: string): Promise<{ token: string; details: TokenDetails }>;
  /** Tokens not revoked, expired ones included (so an operator sees what to renew). */
  list(): Promise<TokenDetails[]>;
  /** Revoke every token of an actor; how many were. */
  revoke(actor: string, by: string): Promise<number>;
  /** Who a presented token speaks for, or null (unknown, revoked, expired). */
  authenticate(token: string): Promise<Principal | null>;
}

interface Row {
  id: string; actor: string; role: Role; communities: string[]; digest: Buffer;
  created_by: string; created_at: Date; expires_at: Date | null; revoked_at: Date | null;
}

const details = (r: Row): TokenDetails => ({
  id: r.id, actor: r.actor, role: r.role, communities: r.communities, createdBy: r.created_by,
  createdAt: new Date(r.created_at), expiresAt: r.expires_at ? new Date(r.expires_at) : null,
});

/** The HMAC key, created and sealed on first use; hub-wide data (no community scope). */
async function tokenKey(db: Database, vault: Vault): Promise<Buffer> {
  const read = () => db.hub((trx) => vault.openHubSecret(trx, KEY_NAME));
  let sealed = await read();
  if (!sealed) {
    try {
      await db.hub((trx) => vault.sealHubSecret(trx, KEY_NAME, '-', crypto.randomBytes(32).toString('base64')));
    } catch {
      // Another process sealed one first: use that.
    }
    sealed = await read();
  }
  if (!sealed) throw new Error('the governance token key could not be kept in the vault');
  return Buffer.from(sealed.secret.reveal(), 'base64');
}

export async function createTokenStore(deps: { db: Database; vault: Vault }): Promise<TokenStore> {
  const { db } = deps;
  const key = await tokenKey(db, deps.vault);
  const digest = (token: string): Buffer => crypto.createHmac('sha256', key).update(token, 'utf8').digest();

  return {
    async create(input, by) {
      const id = crypto.randomBytes(6).toString('hex');
      const token = `it_${id}_${crypto.randomBytes(32).toString('base64url')}`;
      const row = await db.hub(async (trx) => {
        const [r] = await trx('governance_tokens').insert({
          id, actor: input.actor, role: input.role, communities: input.communities, digest: digest(token),
          created_by: by, expires_at: input.expiresAt,
        }).returning('*');
        await audit(trx, {
          actor: by, action: 'token.create', subject: `token:${input.actor}`,
          after: { id, role: input.role, communities: input.communities, expiresAt: input.expiresAt?.toISOString() ?? null },
        });
        return r as Row;
      });
      return { token, details: details(row) };
    },

    list: () => db.hub(async (trx) => ((await trx('governance_tokens').whereNull('revoked_at').orderBy(['actor', 'created_at'])) as Row[]).map(details)),

    revoke: (actor, by) => db.hub(async (trx) => {
      const ids = (await trx('governance_tokens').where({ actor }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() }).returning('id')) as Array<{ id: string }>;
      if (ids.length > 0) await audit(trx, { actor: by, action: 'token.revoke', subject: `token:${actor}`, before: { ids: ids.map((r) => r.id) } });
      return ids.length;
    }),

    async authenticate(token) {
      const m = TOKEN.exec(token);
      if (!m) return null;
      const row = (await db.hub((trx) => trx('governance_tokens').where({ id: m[1] }).first())) as Row | undefined;
      // Hash even when no row matched, so timing does not tell known ids from unknown ones.
      const presented = digest(token);
      const stored = row?.digest ?? Buffer.alloc(presented.length);
      const match = crypto.timingSafeEqual(presented, stored.length === presented.length ? stored : Buffer.alloc(presented.length));
      if (!row || !match || row.revoked_at || (row.expires_at && new Date(row.expires_at) <= new Date())) return null;
      return { actor: row.actor, role: row.role, communities: row.communities.length ? row.communities : null };
    },
  };
}
