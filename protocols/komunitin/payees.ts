/**
 * Accounts on Komunitin peer servers as payees of payments taken in another protocol:
 * a CXP try whose dest_url is a peer's currency (https://server/CODE) and whose payee
 * is an account there. Found only among peers a governing body registered (a try never
 * makes the hub fetch an unknown server), paid like a member's external payment, and
 * told by the same notify, signed by the paying account, from the outbox.
 *
 * When such a server refuses a payment after it settled, the money is on its account
 * and only it holds the keys: the hub asks for it back with a payment request from the
 * payer to that account (a Komunitin external request), under an id derived from the
 * transfer, so asking again is harmless. Once the peer pays it, the transfer ends
 * compensated (service.receiveUpdate).
 */
import { IMPORT_EXPORT_CODE, isCommunityError, RemotePayeeError, RemotePayeeFinder, serverKey } from '../../src/core';
import { ProtocolDeps } from '../../src/protocol';
import { resolveLocal, uuidV5 } from './local';
import { PeerDirectory, ResolveError } from './peers';
import { TransferStore } from './requests';
import { KomunitinError } from './errors';
import { KomunitinService, NOTIFY, NotifyPayload } from './service';
import { accountUrl, toWire, transfersUrlOf, truncateToScale } from './translate';

/** A peer currency's URL less its last segment: the server address its accounts live under. */
const baseOf = (currencyUrl: string) => currencyUrl.replace(/\/currency$/, '');
const NOT_IN_MEMBER_REF = /[^A-Za-z0-9._@+-]/g;

export function komunitinPayees(deps: ProtocolDeps, peers: PeerDirectory, service: KomunitinService, store: TransferStore): RemotePayeeFinder {
  const registered = async (): Promise<Array<{ currency_url: string; community_id: string }>> =>
    deps.db.hub(async (trx) => trx('komunitin_peers').select('currency_url', 'community_id'));

  return {
    async reclaim({ transfer: t, payer, payee, reason }) {
      const href = await deps.db.community(payee.community.id, async (trx) => (await trx('komunitin_remote_accounts')
        .where({ community_id: payee.community.id, account_id: payee.account.id }).first('href'))?.href as string | undefined);
      if (!href) return null; // not an account this protocol reaches
      const c = payer.community;
      // One request per attempt: an attempt that failed (the peer down, or refusing) is
      // followed by a fresh one; a live one (pending or paid) is the answer.
      let id = '';
      for (let n = 0; n < 50; n++) {
        id = uuidV5(c.id, `return|${t.id}|${n}`);
        const earlier = await store.get(c.id, id);
        if (!earlier) break;
        if (earlier.state === 'committed') {
          await deps.transfers.returned(c.id, t.id, `payment ${earlier.transferId} from ${href}`);
          return true;
        }
        if (earlier.state !== 'failed') return true;
      }
      try {
        const asked = await service.requestPayment(c, { id: payer.account.id, code: payer.account.code, account: payer.account }, {
          id, amount: t.sourceAmount ?? t.amount, href,
          description: `Return of payment ${t.id}, which your server refused after it was settled on the ledger (${reason})`.slice(0, 1000),
        }, 'hub', { returns: t.id });
        // Paid back already (at once, or before a restart): the transfer is settled too.
        if (asked.state === 'committed') await deps.transfers.returned(c.id, t.id, `payment ${asked.transferId} from ${href}`);
        return asked.state !== 'failed';
      } catch (err) {
        if (err instanceof KomunitinError) {
          deps.logger.warn({ transfer: t.id, err: err.detail }, 'could not ask a Komunitin peer for a disputed payment back');
          return false;
        }
        throw err;
      }
    },

    async servers() {
      const out = [];
      for (const r of await registered()) {
        const c = await deps.communities.getById(r.community_id);
        if (!isCommunityError(c) && c.status === 'active') out.push({ server: baseOf(r.currency_url), name: c.name });
      }
      return out;
    },

    async find({ server, payee }) {
      const key = serverKey(server);
      const row = (await registered()).find((r) => serverKey(baseOf(r.currency_url)) === key);
      if (!row) return RemotePayeeError.UnknownServer;
      let remote;
      try {
        remote = await peers.resolve(`${baseOf(row.currency_url)}/accounts/${encodeURIComponent(payee)}`);
      } catch (err) {
        if (err instanceof ResolveError) return err.retryable ? RemotePayeeError.Unreachable : RemotePayeeError.UnknownAccount;
        throw err;
      }
      const { scale } = remote.currency;
      return {
        payee: { community: remote.currency.community, account: remote.account },
        exact: (amount) => truncateToScale(amount, scale),
        async delivery(p) {
          const c = p.payer.community;
          // The paying member as the payee's server will look it up: …/CODE/accounts/<ref>
          // of a mirror community answers with the key of its import-export account.
          let ref = p.payerRef.replace(NOT_IN_MEMBER_REF, '_').slice(0, 64);
          if (ref === '' || ref === IMPORT_EXPORT_CODE) ref = 'member';
          const member = await resolveLocal(deps, c, ref);
          const payerId = member?.id ?? p.payer.account.id;
          const payload: NotifyPayload = {
            id: uuidV5(c.id, p.reference), payerId, payerKey: p.payer.account.publicKey,
            payerHref: accountUrl(deps.publicUrl(), c, payerId), payeeId: remote.id,
            amount: toWire(p.amount, scale, 'down'), description: p.description,
          };
          return { kind: NOTIFY, target: transfersUrlOf(remote.href), payload };
        },
      };
    },
  };
}
