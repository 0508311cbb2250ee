import { parseAmount } from '../amounts';
import { CurrencyAccounts, LedgerCurrency } from '../ledger';
import { Community } from './model';

/** The ledger's view of a community's currency. */
export function currencyOf(c: Community): LedgerCurrency {
  const settings = c.settings as { traderMaxBalance?: string };
  return {
    code: c.code,
    rate: { n: c.rateN, d: c.rateD },
    accounts: c.ledgerAccounts as CurrencyAccounts,
    traderMaxBalance: parseAmount(settings.traderMaxBalance ?? '0', { allowZero: true }) as bigint,
  };
}
