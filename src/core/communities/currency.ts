import { parseAmount } from '../amounts';
import { CurrencyAccounts, LedgerCurrency } from '../ledger';
import { Community, PeerSettings } from './model';

/** The ledger's view of a community's currency. */
export function currencyOf(c: Community): LedgerCurrency {
  const settings = c.settings as { traderMaxBalance?: string };
  const peer = c.kind === 'peer';
  return {
    // A peer's asset keeps the code its own server gave it, whatever code names it here.
    code: peer ? (c.settings as PeerSettings).assetCode ?? c.code : c.code,
    rate: { n: c.rateN, d: c.rateD },
    accounts: c.ledgerAccounts as CurrencyAccounts,
    traderMaxBalance: parseAmount(settings.traderMaxBalance ?? '0', { allowZero: true }) as bigint,
    ...(peer ? { peer: true } : {}),
  };
}
