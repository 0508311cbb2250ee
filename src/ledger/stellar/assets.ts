/**
 * The Stellar assets of a currency (Komunitin's model): the local asset, code = the
 * community code, issued by the issuer; and the currency's own HOUR, issued by its
 * external issuer. Assets cross the port as opaque ids "CODE:ISSUER".
 */
import { Asset } from '@stellar/stellar-sdk';
import { LedgerCurrency } from '../../core/ledger';

export const HOUR = 'HOUR';

export const localAsset = (c: LedgerCurrency): Asset => new Asset(c.code, c.accounts.issuer);
export const hourAsset = (c: LedgerCurrency): Asset => new Asset(HOUR, c.accounts.externalIssuer);

export const assetId = (a: Asset): string => (a.isNative() ? 'native' : `${a.getCode()}:${a.getIssuer()}`);

export function assetFromId(id: string): Asset {
  if (id === 'native') return Asset.native();
  const i = id.indexOf(':');
  return new Asset(id.slice(0, i), id.slice(i + 1));
}

/** Asset of a Horizon record with asset_type / asset_code / asset_issuer fields. */
export function assetFromRecord(r: { asset_type: string; asset_code?: string; asset_issuer?: string }): Asset {
  return r.asset_type === 'native' ? Asset.native() : new Asset(r.asset_code!, r.asset_issuer!);
}
