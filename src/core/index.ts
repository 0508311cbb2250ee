/**
 * The core's one front door: everything a protocol or the governance API may use.
 * Protocols import from here (and from the small shared kernels: config, logger, http,
 * db, governance), never from files inside src/core, so the core can move its files
 * without any protocol changing. What is not exported here is the core's own business.
 */
import { AccountService } from './accounts/service';
import { CommunityService } from './communities/service';
import { CreditLineService } from './credit-lines/service';
import { DeliveryService } from './deliveries/service';
import { ExchangeService } from './exchanges/service';
import { OnwardRegistry } from './deliveries/onward';
import { Keyring } from './keys';
import { RateService } from './rates/service';
import { NettingService } from './netting/service';
import { HubProcess } from './processes';
import { Rebalancer } from './rebalancer';
import { Reconciler } from './reconcile';
import { RemotePayees } from './transfers/remote-payees';
import { TransferService } from './transfers/service';

/** The domain services of a hub, built by the composition root (src/app.ts). */
export interface Core {
  keyring: Keyring;
  accounts: AccountService;
  communities: CommunityService;
  creditLines: CreditLineService;
  transfers: TransferService;
  rebalancer: Rebalancer;
  reconciler: Reconciler;
  /** The durable outbox protocols deliver through (relays, notifies, forwards). */
  deliveries: DeliveryService;
  /** How a payment is delivered onward to a mirror community's exchange, by community kind. */
  onward: OnwardRegistry;
  /** Accounts on other servers a payment may name, found by the protocol that reaches them. */
  remotePayees: RemotePayees;
  /** Mirrored exchanges (CXP's, Clearing Central's): mirror community, import-export account, limits in HOUR. */
  exchanges: ExchangeService;
  /** Rate changes, carried to the ledger's trustlines, offers and exchange limits (durably). */
  rates: RateService;
  /** Multilateral netting of inter-community positions: opt-in, preview. */
  netting: NettingService;
  /** This process among the hub's others on the same database (leases, ownership). */
  process: HubProcess;
}

export {
  AmountError, amountErrorMessage, convert, formatAmount, fromHour, fromScaled, hourToLocal, isAmountError, isValidRate,
  localToHour, parseAmount, toHour, toScaled,
} from './amounts';
export type { Rate } from './amounts';
export { audit } from './audit';
export type { AuditEntry } from './audit';
export { isOneOf } from './errors';
export type { Keyring } from './keys';
/** Secrets the keyring opens travel wrapped, so they never reach a log. */
export { Redacted } from '../vault/redacted';
export { LedgerError, isLedgerError } from './ledger';
export type { CurrencyAccounts, Ledger, LedgerPayment } from './ledger';

export { Account } from './accounts/model';
export type { AccountKind } from './accounts/model';
export { AccountError, accountErrorInfo, isAccountError } from './accounts/errors';
export type { AccountService, CreateAccountInput } from './accounts/service';

export { Community } from './communities/model';
export { HOSTED, PEER } from './communities/model';
export type { CommunityKind, CommunitySettings, CommunityStatus, PeerSettings } from './communities/model';
export { CommunityError, communityErrorInfo, isCommunityError } from './communities/errors';
export { IMPORT_EXPORT_CODE } from './communities/service';
export type { CommunityService, CreateCommunityInput, PeerCommunityInput } from './communities/service';
export { currencyOf } from './communities/currency';

export { CreditLineError, creditLineErrorInfo, isCreditLineError } from './credit-lines/errors';
export type { CreditLineService } from './credit-lines/service';
export type { RateService } from './rates/service';
export { largestClearing } from './netting/engine';
export type { Clearing, NettingInput, Position } from './netting/engine';
export { shareOf } from './netting/service';
export type { CommunityClearing, LeftOut, NettingPreview, NettingService, NettingSettings } from './netting/service';

export { Delivery } from './deliveries/model';
export type { DeliveryHandler, DeliveryOutcome, DeliveryService } from './deliveries/service';
export type { OnwardBuilder, OnwardDelivery, OnwardPayment, OnwardRegistry } from './deliveries/onward';

export { Transfer } from './transfers/model';
export type { TransferState } from './transfers/model';
export { TransferError, isTransferError, transferErrorMessage } from './transfers/errors';
export type { Disputed, Party, TransferRequest, TransferService } from './transfers/service';
export { RemotePayeeError, isRemotePayeeError, serverKey } from './transfers/remote-payees';
export type { RemotePayee, RemotePayeeFinder, RemotePayees, RemotePayment, RemoteServer } from './transfers/remote-payees';

export { MirrorExchange } from './exchanges/model';
export type { BalanceMismatch } from './exchanges/model';
export type { CreateMirrorInput, ExchangeService } from './exchanges/service';

export type { Drift, Reconciler } from './reconcile';
export type { Rebalancer } from './rebalancer';
