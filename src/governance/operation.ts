/**
 * One governance operation: its route, its schemas and its handler in one value. The
 * router mounts these and the OpenAPI document is generated from the same list, so
 * every route is documented and every documented route exists.
 */
import { NettingService } from '../core/netting/service';
import { AccountService } from '../core/accounts/service';
import { CommunityService } from '../core/communities/service';
import { CreditLineService } from '../core/credit-lines/service';
import { TransferService } from '../core/transfers/service';
import { DeliveryService } from '../core/deliveries/service';
import { Reconciler } from '../core/reconcile';
import { RateService } from '../core/rates/service';
import { Database } from '../db/database';
import { Schema } from './schemas/schema';
import { Access, Principal } from './access';
import { TokenStore } from './tokens';

/** What the handlers need from the hub. */
export interface GovernanceDeps {
  db: Database;
  communities: CommunityService;
  accounts: AccountService;
  creditLines: CreditLineService;
  transfers: TransferService;
  deliveries: DeliveryService;
  reconciler: Reconciler;
  rates: RateService;
  netting: NettingService;
  /** Tokens kept in the database; absent in tests that need only GOVERNANCE_TOKENS. */
  tokens?: TokenStore;
}

export interface OperationRequest<B, Q> {
  /** Who is acting (the bearer token's actor); '' on public operations. */
  actor: string;
  /** The token's actor, role and communities (an operator's on public operations). */
  principal: Principal;
  params: Record<string, string>;
  body: B;
  query: Q;
  header(name: string): string | undefined;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HeaderParameter {
  name: string;
  required: boolean;
  description: string;
}

export interface Operation {
  id: string;
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form, relative to /governance/v1: "/communities/{code}". */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  body?: Schema<unknown>;
  query?: Schema<unknown>;
  headers?: HeaderParameter[];
  /** Success answers; error answers (ErrorBody) are listed by status. */
  responses: { [status: number]: { description: string; schema?: Schema<unknown> } };
  errors: number[];
  /** Served without a token (the OpenAPI document). */
  public?: boolean;
  /**
   * The right the operation needs and the community it concerns (access.ts); checked by
   * the router before the handler. Without it the operation is the hub operator's alone.
   */
  access?: Access;
  handle(req: OperationRequest<unknown, unknown>): Promise<Reply>;
}

type Def<B, Q> = Omit<Operation, 'body' | 'query' | 'handle'> & {
  body?: Schema<B>;
  query?: Schema<Q>;
  handle(req: OperationRequest<B, Q>): Promise<Reply>;
};

/** Keeps the handler typed by its schemas; the router validates before calling it. */
export function operation<B = undefined, Q = undefined>(def: Def<B, Q>): Operation {
  return def as unknown as Operation;
}
