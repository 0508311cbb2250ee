/** Every named schema, in the order the OpenAPI document lists them. */
import * as common from './common';
import * as communities from './communities';
import * as accounts from './accounts';
import * as creditLines from './credit-lines';
import * as transfers from './transfers';
import * as audit from './audit';
import * as reconcile from './reconcile';
import * as tokens from './tokens';
import * as netting from './netting';
import { Schema } from './schema';

/**
 * The hub's own schemas, then those the protocols contribute. Community creation
 * admits the mirror kinds the protocols declare, so that one schema is built per hub.
 */
export function governanceSchemas(opts: { mirrorKinds: readonly string[]; protocols: Schema<unknown>[] }): Schema<unknown>[] {
  return [
    common.Amount, common.PositiveAmount, common.Rate, common.CommunityCode, common.AccountCode, common.ErrorBody,
    communities.createCommunitySchema(opts.mirrorKinds), communities.SetStatus, communities.Community, communities.CommunityList,
    accounts.CreateAccount, accounts.SetLimits, accounts.Account, accounts.AccountList,
    creditLines.SetCreditLine, creditLines.CreditLine, creditLines.CreditLineList, creditLines.TradeLimits,
    transfers.CreateTransfer, transfers.Transfer, transfers.TransferQuery, transfers.TransferPage,
    audit.AuditQuery, audit.AuditEntry, audit.AuditList,
    reconcile.ReconcileRequest, reconcile.Drift, reconcile.DriftReport,
    tokens.CreateToken, tokens.Token, tokens.NewToken, tokens.TokenList, tokens.Me,
    netting.SetNetting, netting.Netting, netting.NettingPreview, netting.NettingRun, netting.NettingRunList,
    ...opts.protocols,
  ];
}
