/** Every named schema, in the order the OpenAPI document lists them. */
import * as common from './common';
import * as communities from './communities';
import * as accounts from './accounts';
import * as creditLines from './credit-lines';
import * as transfers from './transfers';
import * as audit from './audit';
import * as reconcile from './reconcile';
import * as komunitin from './komunitin';
import * as cxp from './cxp';
import { Schema } from './schema';

export const SCHEMAS: Schema<unknown>[] = [
  common.Amount, common.PositiveAmount, common.Rate, common.CommunityCode, common.AccountCode, common.ErrorBody,
  communities.CreateCommunity, communities.SetStatus, communities.Community, communities.CommunityList,
  accounts.CreateAccount, accounts.SetLimits, accounts.Account, accounts.AccountList,
  creditLines.SetCreditLine, creditLines.CreditLine, creditLines.CreditLineList,
  transfers.CreateTransfer, transfers.Transfer,
  audit.AuditQuery, audit.AuditEntry, audit.AuditList,
  reconcile.ReconcileRequest, reconcile.Drift, reconcile.DriftReport,
  komunitin.RegisterKomunitinPeer, komunitin.KomunitinPeer, komunitin.CreateKomunitinTransfer, komunitin.KomunitinTransfer, komunitin.KomunitinTransferList, komunitin.KomunitinRequestQuery, komunitin.KomunitinPolicy,
  cxp.ApproveExchange, cxp.SetTicks, cxp.SetLegacy, cxp.Exchange, cxp.ExchangeList, cxp.ExchangeCredentials, cxp.BalanceMismatch, cxp.BalanceMismatchList,
];
