/** A hub with communities connected to an emulated Clearing Central, and the CES exchanges behind it. */
import assert from 'node:assert/strict';
import { TestHub } from '../../governance/api';
import { CcExchangeRecord, ClearingCentral } from './emulator';

export async function hosted(h: TestHub, code: string, members: Array<{ code: string; creditLimit: string; maxBalance: string }>, rate = { n: 1, d: 1 }): Promise<void> {
  const c = await h.call('POST', '/communities', { body: { code, name: `${code} time bank`, kind: 'hosted', rate } });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  for (const m of members) {
    const a = await h.call('POST', `/communities/${code}/accounts`, { body: m });
    assert.equal(a.status, 201, JSON.stringify(a.body));
  }
}

/** Connect a hosted community and register it at the emulated Clearing Central as the buyer it is. */
export async function connect(h: TestHub, cc: ClearingCentral, opts: { community: string; nid: string; ips?: string[]; format?: 'post' | 'get' }): Promise<CcExchangeRecord & { dataUrl: string }> {
  const r = await h.call('POST', '/clearing-central/connections', {
    body: { community: opts.community, baseUrl: cc.url, nid: opts.nid, password: `${opts.nid}-password`, ips: opts.ips ?? ['127.0.0.0/8', '::1'] },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const rec: CcExchangeRecord = {
    nid: opts.nid, name: `${opts.community} time bank`, country: 'ES', password: `${opts.nid}-password`, serverIp: '127.0.0.1',
    dataUrl: r.body.dataUrl, requestFormat: opts.format ?? 'post', convRate: '1',
  };
  cc.exchanges.set(opts.nid, rec);
  return rec;
}

/** Admit a CES exchange at the hub and register it at the emulated Clearing Central as a seller. */
export async function admitCes(h: TestHub, cc: ClearingCentral, opts: { code: string; nid: string; convRate: string; creditLimit?: string; maxBalance?: string }): Promise<CcExchangeRecord> {
  const r = await h.call('POST', '/clearing-central/exchanges', {
    body: { code: opts.code, nid: opts.nid, name: `CES ${opts.nid}`, country: 'ZA', convRate: opts.convRate, creditLimit: opts.creditLimit ?? '100', maxBalance: opts.maxBalance ?? '100' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const rec: CcExchangeRecord = {
    nid: opts.nid, name: `CES ${opts.nid}`, country: 'ZA', password: `${opts.nid}-password`, serverIp: '127.0.0.1',
    dataUrl: 'http://127.0.0.1:9/txrengine.asp', requestFormat: 'get', convRate: opts.convRate,
  };
  cc.exchanges.set(opts.nid, rec);
  return rec;
}

export async function balance(h: TestHub, community: string, account: string): Promise<string> {
  const r = await h.call('GET', `/communities/${community}/accounts/${account}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.balance;
}

/** The fields of a new bill as Clearing Central forwards it, in its order. */
export const forwardFields = (f: { txid: string; buyer: string; seller: string; amount: string; description?: string; buyerId?: string }): Array<[string, string]> => [
  ['txid', f.txid], ['buyer_nid', f.buyer], ['seller_nid', f.seller], ['description', f.description ?? 'bread'], ['amount', f.amount],
  ...(f.buyerId === undefined ? [] : [
    ['seller_xname', 'CES'], ['seller_country', 'ZA'], ['seller_id', 'ZA420001'], ['seller_name', 'Thandi'], ['seller_email', 'thandi@ces.example'], ['buyer_id', f.buyerId],
  ] as Array<[string, string]>),
];
