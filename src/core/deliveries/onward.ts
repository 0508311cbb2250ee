/**
 * Onward delivery across protocols. A payment that arrives in one protocol for a member
 * of a mirror community (a `cxp` or `ces` exchange) must be told to that exchange in its
 * own protocol: a Komunitin payment to a CXP exchange's member becomes a CXP relay. The
 * protocol that reaches a kind of community registers how to build that delivery; the
 * protocol that received the payment asks for it without knowing the other's words.
 */
import { Community, CommunityKind } from '../communities/model';

export interface OnwardPayment {
  /** The mirror community the payee belongs to. */
  community: Community;
  /** Who the payee is inside that exchange (CXP: the member's mail or id). */
  payeeRef: string;
  /** What the payee's exchange receives, in its own units (stroops). */
  amount: bigint;
  /** Who paid, as the receiving exchange should show it (a URI or name). */
  payerRef: string;
  payerUrl: string;
  description: string;
  /** A stable id for the receiver's idempotency (e.g. the ledger hash). */
  reference: string;
}

export interface OnwardDelivery {
  kind: string;
  target: string;
  payload: unknown;
}

export type OnwardBuilder = (p: OnwardPayment) => Promise<OnwardDelivery>;

export interface OnwardRegistry {
  register(kind: CommunityKind, build: OnwardBuilder): void;
  /** null: payments to this community need no onward delivery (a hosted community). */
  build(p: OnwardPayment): Promise<OnwardDelivery | null>;
}

export function createOnwardRegistry(): OnwardRegistry {
  const builders = new Map<CommunityKind, OnwardBuilder>();
  return {
    register(kind, build) {
      builders.set(kind, build);
    },
    async build(p) {
      const b = builders.get(p.community.kind);
      return b ? b(p) : null;
    },
  };
}
