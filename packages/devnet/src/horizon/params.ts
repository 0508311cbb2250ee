/**
 * Query-string parsing with Horizon's rules. Every failure names the parameter
 * (extras.invalid_field) so a client knows what to fix.
 */
import { StrKey } from '@stellar/stellar-sdk';
import { DEFAULT_LIMIT, Key, MAX_LIMIT, Order, PageQuery, parseCursor } from '../history/store';
import { AssetKey, INT64_MAX, NATIVE } from '../state/entries';
import { badParam } from './problem';

/** A parameter's value; Horizon treats an empty value as absent. */
export function param(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name);
  return v === null || v === '' ? undefined : v;
}

export interface ParsedPage extends PageQuery {
  /** As the client sent it, for _links.self. */
  readonly rawCursor?: string;
}

/**
 * cursor / order / limit. For streams, Last-Event-ID (the EventSource reconnect
 * header) takes precedence over the cursor, as in Horizon.
 */
export function pageParams(url: URL, lastEventId?: string): ParsedPage {
  const rawCursor = lastEventId || param(url, 'cursor');
  let cursor: Key | 'now' | undefined;
  if (rawCursor !== undefined) {
    const c = parseCursor(rawCursor);
    if (c === null) throw badParam('cursor', `Invalid cursor '${rawCursor}': expected a paging token (an unsigned integer, or two joined by '-') or 'now'`);
    cursor = c;
  }
  const rawOrder = param(url, 'order') ?? 'asc';
  if (rawOrder !== 'asc' && rawOrder !== 'desc') throw badParam('order', "order must be 'asc' or 'desc'");
  const rawLimit = param(url, 'limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    if (!/^\d{1,4}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT) {
      throw badParam('limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    limit = Number(rawLimit);
  }
  return { cursor, order: rawOrder as Order, limit, rawCursor };
}

export function accountId(value: string | undefined, field: string): string {
  if (value === undefined || !StrKey.isValidEd25519PublicKey(value)) {
    throw badParam(field, `${field} must be a valid account ID: 'G' followed by 55 base32 characters`);
  }
  return value;
}

export function optionalAccount(url: URL, field: string): string | undefined {
  const v = param(url, field);
  return v === undefined ? undefined : accountId(v, field);
}

const CODE4 = /^[a-zA-Z0-9]{1,4}$/;
const CODE12 = /^[a-zA-Z0-9]{5,12}$/;

/** `{prefix}asset_type`, `{prefix}asset_code`, `{prefix}asset_issuer`; undefined when no type given. */
export function assetParams(url: URL, prefix: string): AssetKey | undefined {
  const typeField = `${prefix}asset_type`;
  const type = param(url, typeField);
  const code = param(url, `${prefix}asset_code`);
  const issuer = param(url, `${prefix}asset_issuer`);
  if (type === undefined) {
    if (code !== undefined || issuer !== undefined) throw badParam(typeField, `${typeField} is required with ${prefix}asset_code/${prefix}asset_issuer`);
    return undefined;
  }
  if (type === 'native') {
    if (code !== undefined || issuer !== undefined) throw badParam(`${prefix}asset_code`, 'native assets take no code or issuer');
    return NATIVE;
  }
  if (type !== 'credit_alphanum4' && type !== 'credit_alphanum12') {
    throw badParam(typeField, `${typeField} must be native, credit_alphanum4 or credit_alphanum12`);
  }
  if (code === undefined || !(type === 'credit_alphanum4' ? CODE4 : CODE12).test(code)) {
    throw badParam(`${prefix}asset_code`, `${prefix}asset_code must be ${type === 'credit_alphanum4' ? '1-4' : '5-12'} alphanumeric characters`);
  }
  return `${code}:${accountId(issuer, `${prefix}asset_issuer`)}`;
}

/** An asset in canonical form: 'native' or 'CODE:ISSUER'. */
export function canonicalAssetParam(value: string, field: string): AssetKey {
  if (value === 'native') return NATIVE;
  const m = /^([a-zA-Z0-9]{1,12}):(G[A-Z2-7]{55})$/.exec(value);
  if (!m || !StrKey.isValidEd25519PublicKey(m[2])) {
    throw badParam(field, `${field} must be 'native' or 'CODE:ISSUER', got '${value}'`);
  }
  return `${m[1]}:${m[2]}`;
}

/** Comma-separated canonical assets (destination_assets, source_assets). */
export function assetListParam(value: string, field: string): AssetKey[] {
  const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw badParam(field, `${field} must list at least one asset`);
  if (list.length > 15) throw badParam(field, `${field} accepts at most 15 assets`);
  return list.map((s) => canonicalAssetParam(s, field));
}

/** A positive amount with at most 7 decimals → stroops. */
export function amountParam(value: string | undefined, field: string): bigint {
  const m = value === undefined ? null : /^(\d{1,12})(?:\.(\d{1,7}))?$/.exec(value);
  if (!m) throw badParam(field, `${field} must be a positive amount with at most 7 decimals, e.g. '10.5'`);
  const stroops = BigInt(m[1]) * 10_000_000n + BigInt((m[2] ?? '').padEnd(7, '0'));
  if (stroops <= 0n || stroops > INT64_MAX) throw badParam(field, `${field} must be greater than zero`);
  return stroops;
}

export function uintParam(value: string, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d{1,16}$/.test(value) || Number(value) > max) throw badParam(field, `${field} must be an unsigned integer`);
  return Number(value);
}
