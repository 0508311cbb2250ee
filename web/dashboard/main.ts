/**
 * The Intertrade dashboard: sign in with a governance token, then the views the token may
 * see (docs/dashboard.md). Hash routes (#/network, #/community/GRN1, #/transfers, …) so the
 * browser's back button and links work; every action confirms what will change and says
 * the outcome in words.
 */
import './style.css';
import { ApiError, Community, CreditLine, Me, Transfer, api, hubWide, mayWrite, setToken, token } from './api';
import { networkGraph, timeChart } from './charts';
import { confirmAction, fmt, h, pager, say, table, usageBar, when } from './ui';

let me: Me | null = null;
const main = () => document.getElementById('main')!;

const VIEWS: Array<[string, string, (m: Me) => boolean]> = [
  ['network', 'Network', () => true],
  ['transfers', 'Transfers', () => true],
  ['charts', 'Charts', () => true],
  ['netting', 'Netting', () => true],
  ['exchanges', 'Exchanges & peers', () => true],
  ['health', 'Health', () => true],
  ['audit', 'Audit', () => true],
];

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Rate as HOUR per unit. */
const hourOf = (c: Community | undefined): number => (c ? c.rate.n / c.rate.d : 1);
const describeRole = (m: Me) => `${m.actor} — ${m.role === 'operator' ? 'hub operator' : m.role === 'community' ? 'governing body' : 'auditor'}${m.communities ? ` of ${m.communities.join(', ')}` : m.role === 'auditor' ? ', hub-wide' : ''}`;

async function communities(): Promise<Community[]> {
  return (await api<{ communities: Community[] }>('GET', '/communities')).communities;
}

/** Something went wrong: say it in words, where the view would be. */
function failed(err: unknown, what: string): HTMLElement {
  const msg = err instanceof ApiError
    ? (err.status === 403 ? `Your token may not see ${what}: ${err.message}` : `Could not load ${what}: ${err.message}`)
    : `Could not load ${what}: ${String(err)}`;
  return h('p', { class: 'error', role: 'alert' }, msg);
}

function section(title: string, ...children: Array<Node | string>): HTMLElement {
  return h('section', {}, h('h2', {}, title), ...children);
}

// ── Sign in ──────────────────────────────────────────────────────────────────
function signIn(message?: string): void {
  document.getElementById('nav')!.replaceChildren();
  document.getElementById('who')!.replaceChildren();
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, minlength: 32, 'aria-describedby': 'token-help', size: 48 });
  const form = h('form', { class: 'signin', onsubmit: async (e: Event) => {
    e.preventDefault();
    setToken(input.value.trim());
    try {
      await start();
    } catch (err) {
      setToken(null);
      signIn(err instanceof ApiError && err.status === 401 ? 'That token is not one of this hub\'s governance tokens (or it was revoked or has expired).' : String(err instanceof Error ? err.message : err));
    }
  } },
  h('h2', {}, 'Sign in'),
  h('label', { for: 'token' }, 'Governance token'), input,
  h('p', { id: 'token-help', class: 'help' }, 'The bearer token the hub operator gave you (intertrade token create). It is kept in this tab only, until you sign out or close it.'),
  message ? h('p', { class: 'error', role: 'alert' }, message) : '',
  h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  main().replaceChildren(form);
  input.focus();
}

async function start(): Promise<void> {
  me = await api<Me>('GET', '/me');
  const m = me;
  document.getElementById('nav')!.replaceChildren(h('ul', {}, VIEWS.filter(([, , may]) => may(m)).map(([id, label]) => h('li', {}, h('a', { href: `#/${id}`, 'data-view': id }, label)))));
  document.getElementById('who')!.replaceChildren(h('span', {}, describeRole(m)), ' ',
    h('button', { type: 'button', onclick: () => { setToken(null); me = null; location.hash = ''; signIn('Signed out.'); } }, 'Sign out'));
  if (!location.hash || location.hash === '#') location.hash = '#/network';
  else await route();
}

// ── Router ───────────────────────────────────────────────────────────────────
async function route(): Promise<void> {
  if (!me) return;
  const [, view = 'network', arg] = location.hash.split('/');
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
    if (a.dataset.view === view || (view === 'community' && a.dataset.view === 'network')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const el = main();
  const shown = location.hash;
  say('');
  el.removeAttribute('data-ready');
  el.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  const render: Record<string, (m: Me, arg?: string) => Promise<HTMLElement[]>> = {
    network: networkView, community: communityView, transfers: transfersView, charts: chartsView,
    netting: nettingView, exchanges: exchangesView, health: healthView, audit: auditView,
  };
  try {
    const parts = await (render[view] ?? networkView)(me, arg ? decodeURIComponent(arg) : undefined);
    el.replaceChildren(...parts);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { setToken(null); signIn('Your session ended (the token was revoked or expired): sign in again.'); return; }
    el.replaceChildren(failed(err, 'this view'));
  }
  // What a test or a script waits for: this view is drawn (unless another was asked for meanwhile).
  if (location.hash === shown) el.setAttribute('data-ready', shown);
  el.focus({ preventScroll: true });
}

// ── Network ──────────────────────────────────────────────────────────────────
/** Transfers per community, counted from its newest transfers (at most 5 pages of 200). */
async function volumes(cs: Community[]): Promise<Map<string, Transfer[]>> {
  const out = new Map<string, Transfer[]>();
  await Promise.all(cs.map(async (c) => {
    const all: Transfer[] = [];
    for (let page = 1; page <= 5; page++) {
      const r = await api<{ transfers: Transfer[]; hasMore: boolean }>('GET', `/communities/${c.code}/transfers?limit=200&page=${page}&state=settled,delivered`).catch(() => ({ transfers: [], hasMore: false }));
      all.push(...r.transfers);
      if (!r.hasMore) break;
    }
    out.set(c.code, all);
  }));
  return out;
}

async function linesOf(cs: Community[]): Promise<CreditLine[]> {
  const lists = await Promise.all(cs.map((c) => api<{ creditLines: CreditLine[] }>('GET', `/communities/${c.code}/credit-lines`).then((r) => r.creditLines, () => [])));
  return lists.flat();
}

async function networkView(m: Me): Promise<HTMLElement[]> {
  const cs = await communities();
  const [lines, vol] = await Promise.all([linesOf(cs), volumes(cs)]);
  const codes = new Set(cs.map((c) => c.code));
  const outside = [...new Set(lines.map((l) => l.peer).filter((p) => !codes.has(p)))];
  const graph = h('div', { id: 'graph', role: 'img', 'aria-label': `Network graph of ${cs.length} communities and ${lines.length} credit lines; the same figures are in the table below` });
  const byCode = new Map(cs.map((c) => [c.code, c]));
  const parts = [
    section('Network',
      h('p', { class: 'help' }, 'Each circle is a community, sized by its settled transfers; each arrow a credit line from the community that grants it to the one it trusts, coloured by the share used (green under 50 %, amber under 80 %, red above). Click a community or a line to open it.'),
      graph),
    section('Credit lines', table(`${plural(lines.length, 'credit line')}${m.communities ? ' granted by your communities' : ''}`, ['Grants', 'Trusts', 'Limit', 'Used', 'Share'],
      lines.map((l) => [h('a', { href: `#/community/${l.community}` }, l.community), l.peer, `${fmt(l.limit)} ${l.community}`, `${fmt(l.usage)} ${l.community}`, usageBar(Number(l.usage), Number(l.limit), `${l.community} → ${l.peer}`)]),
      { empty: 'No credit lines yet.' })),
    section('Communities', table(cs.length === 1 ? '1 community' : `${cs.length} communities`, ['Code', 'Name', 'Kind', 'Status', '1 unit =', 'Settled transfers'],
      cs.map((c) => [h('a', { href: `#/community/${c.code}` }, c.code), c.name, c.kind, c.status, `${fmt(hourOf(c), 7)} HOUR`, String(vol.get(c.code)?.length ?? 0)]))),
  ];
  requestAnimationFrame(() => networkGraph(graph,
    [...cs.map((c) => ({ code: c.code, name: c.name, volume: vol.get(c.code)?.length ?? 0, visible: true })), ...outside.map((code) => ({ code, name: code, volume: 0, visible: false }))],
    lines.map((l) => ({ from: l.community, to: l.peer, limit: Number(l.limit), usage: Number(l.usage) })),
    (code) => { if (byCode.has(code)) location.hash = `#/community/${code}`; else say(`${code} is outside what your token may see.`); }));
  return parts;
}

// ── Community ────────────────────────────────────────────────────────────────
interface TradeLimits { pairs: Array<{ peer: string; surplus: { hour: string; units: string }; deficit: { hour: string; units: string } }>; surplus: { hour: string; units: string }; deficit: { hour: string; units: string } }

async function communityView(m: Me, code?: string): Promise<HTMLElement[]> {
  if (!code) return networkView(m);
  const c = await api<Community>('GET', `/communities/${code}`);
  const [accounts, lines, limits, all] = await Promise.all([
    api<{ accounts: Array<{ code: string; kind: string; status: string; creditLimit: string; maxBalance: string }> }>('GET', `/communities/${code}/accounts`).then((r) => r.accounts),
    api<{ creditLines: CreditLine[] }>('GET', `/communities/${code}/credit-lines`).then((r) => r.creditLines),
    api<TradeLimits>('GET', `/communities/${code}/trade-limits`).catch(() => null),
    communities(),
  ]);
  // Lines granted to this community (each readable by it): from every line list when the
  // token reads the whole hub, else asked of each community it trades with (trade limits).
  const incoming = hubWide(m)
    ? (await linesOf(all)).filter((l) => l.peer === code)
    : (await Promise.all([...new Set([...all.map((o) => o.code), ...(limits?.pairs.map((p) => p.peer) ?? [])])].filter((o) => o !== code)
      .map((o) => api<CreditLine>('GET', `/communities/${o}/credit-lines/${code}`).catch(() => null)))).filter((l): l is CreditLine => l !== null);
  const writable = mayWrite(m, code);
  const unit = hourOf(c);
  const lineRow = (l: CreditLine): Array<Node | string> => {
    const cell = h('span', {}, `${fmt(l.limit)} ${code}`);
    const edit = writable ? h('button', { type: 'button', class: 'small', 'aria-label': `Change the line ${code} grants ${l.peer}`, onclick: () => editLine(cell, l) }, 'Change') : '';
    return [l.peer, h('span', { class: 'limit' }, cell, ' ', edit), `${fmt(l.usage)} ${code}`, usageBar(Number(l.usage), Number(l.limit), `${code} → ${l.peer}`)];
  };
  const editLine = (cell: HTMLElement, l: CreditLine) => {
    const input = h('input', { type: 'text', inputmode: 'decimal', value: String(Number(l.limit)), 'aria-label': `New limit in ${code}`, size: 10, pattern: '[0-9]+(\\.[0-9]{1,7})?' });
    const form = h('form', { class: 'inline', onsubmit: async (e: Event) => {
      e.preventDefault();
      const v = input.value.trim();
      if (!/^[0-9]+(\.[0-9]{1,7})?$/.test(v)) { say('A limit is a number with at most 7 decimals, e.g. 250 or 12.5.', 'error'); input.focus(); return; }
      const before = Number(l.limit);
      const after = Number(v);
      const ok = await confirmAction(`Change the credit line ${code} grants ${l.peer}?`, [
        h('p', {}, `${code} will accept up to `, h('strong', {}, `${fmt(after, 7)} ${code}`), ` of ${l.peer}'s HOUR (now ${fmt(before, 7)} ${code}; ${fmt(l.usage, 7)} is in use).`),
        h('p', {}, 'On the ledger: the trustline of ', h('strong', {}, `${code}'s external trader`), ` to ${l.peer}'s HOUR goes from ${fmt(before * unit, 7)} to `, h('strong', {}, `${fmt(after * unit, 7)} HOUR`), ` (1 ${code} = ${fmt(unit, 7)} HOUR).`),
        after === 0 ? h('p', { class: 'warn' }, 'A limit of 0 removes the line.') : '',
        after < Number(l.usage) ? h('p', { class: 'warn' }, 'This is below what is in use: the hub will refuse it until it is paid back.') : '',
      ], 'Change the line');
      if (!ok) { say('Nothing changed.'); return; }
      try {
        const r = await api<CreditLine>('PUT', `/communities/${code}/credit-lines/${l.peer}`, { limit: v });
        await route();
        say(after === 0 ? `The line ${code} granted ${l.peer} is removed.` : `Done: ${code} now accepts up to ${fmt(r.limit, 7)} ${code} of ${l.peer}'s HOUR; the ledger holds ${fmt(Number(r.limit) * unit, 7)} HOUR.`, 'ok');
      } catch (err) {
        say(`The line was not changed: ${err instanceof Error ? err.message : String(err)}`, 'error');
      }
    } }, input, ` ${code} `, h('button', { type: 'submit', class: 'small primary' }, 'Review'), ' ',
    h('button', { type: 'button', class: 'small', onclick: () => { void route(); } }, 'Cancel'));
    cell.parentElement!.replaceChildren(form);
    input.focus();
    input.select();
  };
  const editMember = (button: HTMLElement, a: { code: string; creditLimit: string; maxBalance: string }) => {
    const credit = h('input', { type: 'text', inputmode: 'decimal', value: String(Number(a.creditLimit)), 'aria-label': `Credit limit of ${a.code} in ${code}`, size: 8 });
    const max = h('input', { type: 'text', inputmode: 'decimal', value: String(Number(a.maxBalance)), 'aria-label': `Maximum balance of ${a.code} in ${code}`, size: 8 });
    const form = h('form', { class: 'inline member-limits', onsubmit: async (e: Event) => {
      e.preventDefault();
      const [c, m] = [credit.value.trim(), max.value.trim()];
      if (![c, m].every((v) => /^[0-9]+(\.[0-9]{1,7})?$/.test(v))) { say('Limits are numbers with at most 7 decimals, e.g. 100 or 12.5.', 'error'); return; }
      const ok = await confirmAction(`Change the limits of ${a.code}?`, [
        h('p', {}, `${a.code} may go into debt down to `, h('strong', {}, `−${fmt(c, 7)} ${code}`), ` (now −${fmt(a.creditLimit, 7)}) and hold up to `, h('strong', {}, `${fmt(m, 7)} ${code}`), ` (now ${fmt(a.maxBalance, 7)}).`),
        h('p', {}, `On the ledger: ${code}'s credit account gives ${a.code} the difference in credit (or takes it back), and ${a.code}'s trustline to ${code} is set to hold at most the new maximum. Taking back credit already spent is refused.`),
      ], 'Change the limits');
      if (!ok) { say('Nothing changed.'); return; }
      try {
        await api('PUT', `/communities/${code}/accounts/${a.code}/limits`, { creditLimit: c, maxBalance: m });
        await route();
        say(`Done: ${a.code} may now go down to −${fmt(c, 7)} ${code} and hold up to ${fmt(m, 7)} ${code}.`, 'ok');
      } catch (err) {
        say(`The limits were not changed: ${err instanceof Error ? err.message : String(err)}`, 'error');
      }
    } }, 'credit ', credit, ' max ', max, ' ', h('button', { type: 'submit', class: 'small primary' }, 'Review'), ' ',
    h('button', { type: 'button', class: 'small', onclick: () => { void route(); } }, 'Cancel'));
    button.replaceWith(form);
    credit.focus();
  };
  const newLine = writable ? (() => {
    const others = all.filter((o) => o.code !== code && !lines.some((l) => l.peer === o.code));
    if (others.length === 0) return '';
    const peer = h('select', { 'aria-label': 'Community to trust' }, others.map((o) => h('option', { value: o.code }, `${o.code} — ${o.name}`)));
    return h('form', { class: 'inline', onsubmit: (e: Event) => { e.preventDefault(); editLine(h('span'), { community: code, peer: peer.value, limit: '0', usage: '0' }); } },
      'Open a line to ', peer, ' ', h('button', { type: 'submit', class: 'small' }, 'Open…'));
  })() : '';
  const parts: HTMLElement[] = [
    h('section', {}, h('h2', {}, `${c.name} (${c.code})`),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Kind'), h('dd', {}, c.kind), h('dt', {}, 'Status'), h('dd', {}, c.status),
        h('dt', {}, 'Rate'), h('dd', {}, `1 ${code} = ${c.rate.n}/${c.rate.d} HOUR (${fmt(unit, 7)})`), h('dt', {}, 'On the ledger'), h('dd', {}, c.ledgerStatus),
        ...(limits ? [h('dt', {}, 'Can still sell'), h('dd', {}, `${fmt(limits.surplus.units)} ${code} (${fmt(limits.surplus.hour)} HOUR)`), h('dt', {}, 'Can still buy'), h('dd', {}, `${fmt(limits.deficit.units)} ${code} (${fmt(limits.deficit.hour)} HOUR)`)] : [])),
      writable ? '' : h('p', { class: 'help' }, 'Your token may read this community, not change it.')),
    section('Credit lines it grants', table(`Lines ${code} grants: it accepts up to the limit of each peer's HOUR (in ${code})`, ['Trusts', 'Limit', 'Used', 'Share'], lines.map(lineRow), { empty: 'It grants no credit line.' }), newLine || ''),
    section('Credit lines granted to it', table(`Lines other communities grant ${code} (their decision; in their units)`, ['Granted by', 'Limit', 'Used', 'Share'],
      incoming.map((l) => [l.community, `${fmt(l.limit)} ${l.community}`, `${fmt(l.usage)} ${l.community}`, usageBar(Number(l.usage), Number(l.limit), `${l.community} → ${code}`)]), { empty: 'No line granted to it that your token may see.' })),
    ...(limits ? [section('Effective trade limits', table(`How much more ${code} can sell to and buy from each community (direct lines)`, ['With', 'Can sell', 'Can buy'],
      limits.pairs.map((p) => [p.peer, `${fmt(p.surplus.units)} ${code} (${fmt(p.surplus.hour)} HOUR)`, `${fmt(p.deficit.units)} ${code} (${fmt(p.deficit.hour)} HOUR)`]), { empty: 'No lines either way.' }))] : []),
    section('Members', table(plural(accounts.length, 'account'), ['Account', 'Kind', 'Status', 'Credit limit', 'Maximum balance', ''],
      accounts.map((a) => [a.code, a.kind, a.status, `${fmt(a.creditLimit)} ${code}`, `${fmt(a.maxBalance)} ${code}`,
        writable && a.kind === 'member' ? h('button', { type: 'button', class: 'small', 'aria-label': `Change the limits of ${a.code}`, onclick: (e: Event) => editMember(e.target as HTMLElement, a) }, 'Change') : '']), { size: 25 })),
  ];
  return parts;
}

// ── Transfers ────────────────────────────────────────────────────────────────
const STATES = ['new', 'quoted', 'submitted', 'settled', 'delivered', 'rejected', 'failed', 'compensated', 'disputed'];
const PROTOCOLS = ['governance', 'cxp', 'komunitin', 'cc', 'demo', 'compensation'];

async function transfersView(): Promise<HTMLElement[]> {
  const cs = await communities();
  if (cs.length === 0) return [section('Transfers', h('p', {}, 'No community yet.'))];
  const q = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const select = (label: string, name: string, options: string[], any: string | null) => h('label', {}, label, ' ',
    h('select', { name }, [...(any !== null ? [h('option', { value: '' }, any)] : []), ...options.map((o) => h('option', { value: o, selected: q.get(name) === o }, o))]));
  const date = (label: string, name: string) => h('label', {}, label, ' ', h('input', { type: 'date', name, value: q.get(name) ?? '' }));
  const results = h('div', { id: 'transfer-results' });
  const detail = h('div', { id: 'transfer-detail', 'aria-live': 'polite' });
  const form = h('form', { class: 'filters', onsubmit: (e: Event) => { e.preventDefault(); void load(1); } },
    select('Community', 'community', cs.map((c) => c.code), null), select('State', 'state', STATES, 'any'), select('Protocol', 'protocol', PROTOCOLS, 'any'),
    date('From', 'from'), date('To', 'to'), h('button', { type: 'submit', class: 'primary' }, 'Show'));
  const load = async (page: number) => {
    const f = new FormData(form);
    const p = new URLSearchParams({ page: String(page), limit: '25' });
    for (const k of ['state', 'protocol'] as const) if (f.get(k)) p.set(k, String(f.get(k)));
    if (f.get('from')) p.set('from', new Date(`${f.get('from')}T00:00:00`).toISOString());
    if (f.get('to')) p.set('to', new Date(new Date(`${f.get('to')}T00:00:00`).getTime() + 86400000).toISOString());
    const code = String(f.get('community'));
    results.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
    try {
      const r = await api<{ transfers: Transfer[]; hasMore: boolean }>('GET', `/communities/${code}/transfers?${p}`);
      results.replaceChildren(
        table(`Transfers paid by or to ${code}, newest first`, ['When', 'State', 'Payer', 'Payee', 'Amount', 'Protocol', ''],
          r.transfers.map((t) => [when(t.createdAt), h('span', { class: `state ${t.state}` }, t.state), t.payer, t.payee, `${fmt(t.amount, 7)} ${t.payee.split('/')[0]}`, t.protocol ?? '',
            h('button', { type: 'button', class: 'small', onclick: () => showTransfer(t) }, 'Details')]), { size: 25, empty: 'No transfer matches.' }),
        pager(page, r.hasMore, (n) => { void load(n); }));
    } catch (err) {
      results.replaceChildren(failed(err, 'these transfers'));
    }
  };
  const showTransfer = (t: Transfer) => {
    detail.replaceChildren(h('section', { class: 'detail' }, h('h3', {}, `Transfer ${t.id}`),
      h('dl', { class: 'facts' },
        h('dt', {}, 'State'), h('dd', {}, t.state, t.errorMessage ? ` — ${t.errorMessage}` : ''),
        h('dt', {}, 'Payer paid'), h('dd', {}, t.sourceAmount ? `${fmt(t.sourceAmount, 7)} ${t.payer.split('/')[0]} (${t.payer})` : '—'),
        h('dt', {}, 'Payee received'), h('dd', {}, `${fmt(t.amount, 7)} ${t.payee.split('/')[0]} (${t.payee})`),
        h('dt', {}, 'Made'), h('dd', {}, when(t.createdAt)), h('dt', {}, 'Note'), h('dd', {}, t.meta || '—'),
        h('dt', {}, 'Stellar transaction'), h('dd', { class: 'hash' }, t.ledgerHash ?? 'not submitted')),
      table('Deliveries to the other side', ['Kind', 'Target', 'State', 'Attempts', 'Next attempt', 'Last error'],
        (t.deliveries ?? []).map((d) => [d.kind, d.target, d.state, String(d.attempts), when(d.nextAttemptAt), d.lastError ?? '—']), { empty: 'Nothing to deliver: both sides are on this hub.' })));
    detail.scrollIntoView({ block: 'nearest' });
  };
  void load(1);
  return [section('Transfers', form, results), detail];
}

// ── Charts ───────────────────────────────────────────────────────────────────
async function chartsView(): Promise<HTMLElement[]> {
  const cs = await communities();
  const byCode = new Map(cs.map((c) => [c.code, c]));
  const vol = await volumes(cs);
  const seen = new Map<string, Transfer>();
  for (const ts of vol.values()) for (const t of ts) seen.set(t.id, t);
  const ts = [...seen.values()];
  const span = ts.length ? Date.now() - Math.min(...ts.map((t) => Date.parse(t.createdAt))) : 0;
  const bucket = span > 2 * 86400000 ? 86400000 : 3600000;
  const rows = new Map<number, { n: number; hour: number }>();
  for (const t of ts) {
    const b = Math.floor(Date.parse(t.createdAt) / bucket) * bucket;
    const r = rows.get(b) ?? { n: 0, hour: 0 };
    r.n++;
    r.hour += Number(t.amount) * hourOf(byCode.get(t.payee.split('/')[0]));
    rows.set(b, r);
  }
  // Every bucket from the first to now, empty ones at zero (at most 500 of them).
  const xs: number[] = [];
  if (rows.size) {
    const last = Math.floor(Date.now() / bucket) * bucket;
    for (let b = Math.max(Math.min(...rows.keys()), last - 499 * bucket); b <= last; b += bucket) xs.push(b);
  }
  const at = (b: number) => rows.get(b) ?? { n: 0, hour: 0 };
  const csv = ['bucket_start,transfers,amount_hour', ...xs.map((x) => `${new Date(x).toISOString()},${at(x).n},${at(x).hour.toFixed(7)}`)].join('\n');
  const download = h('a', { class: 'button', download: 'intertrade-volume.csv', href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })) }, 'Export volume (CSV)');
  const lines = await linesOf(cs);
  return [
    section('Volume over time',
      h('p', { class: 'help' }, `Settled transfers you may see, per ${bucket === 86400000 ? 'day' : 'hour'} (up to the newest 1,000 per community), and their amount in HOUR.`),
      timeChart('Transfers', xs.map((x) => x / 1000), [{ label: 'transfers', values: xs.map((x) => at(x).n), colour: '#2e86c1', bars: true }], bucket / 1000),
      timeChart('Amount (HOUR)', xs.map((x) => x / 1000), [{ label: 'HOUR', values: xs.map((x) => at(x).hour), colour: '#1e8449', bars: true }], bucket / 1000),
      download),
    section('Balances of trade now', table('What each community holds of the others\' HOUR (usage of the lines it grants)', ['Holder', 'Of', 'Holds', 'In HOUR', 'Share of its line'],
      lines.map((l) => [l.community, l.peer, `${fmt(l.usage, 7)} ${l.community}`, fmt(Number(l.usage) * hourOf(byCode.get(l.community)), 7), usageBar(Number(l.usage), Number(l.limit), `${l.community} holds of ${l.peer}`)]),
      { empty: 'No credit lines yet.' })),
  ];
}

// ── Netting ──────────────────────────────────────────────────────────────────
interface NettingRow { community: string; claimsBefore: string; claimsAfter: string; debtsBefore: string; debtsAfter: string; roomFreed: string }
async function nettingView(m: Me): Promise<HTMLElement[]> {
  const preview = await api<{ communities: NettingRow[]; positions: Array<{ debtor: string; creditor: string; amount: string; cleared: string }>; leftOut: Array<{ community: string; reason: string; detail: string }>; totals?: { gross: string; cleared: string; share: string } }>('GET', '/netting/preview');
  const parts: HTMLElement[] = [section('Netting: what a run would clear now',
    preview.totals ? h('p', {}, `A run would clear ${fmt(preview.totals.cleared, 7)} of ${fmt(preview.totals.gross, 7)} HOUR of positions (${fmt(Number(preview.totals.share) * 100, 1)} %).`) : '',
    table('Communities taking part (HOUR)', ['Community', 'Claims', 'after', 'Debts', 'after', 'Line room freed'],
      preview.communities.map((r) => [r.community, fmt(r.claimsBefore, 7), fmt(r.claimsAfter, 7), fmt(r.debtsBefore, 7), fmt(r.debtsAfter, 7), fmt(r.roomFreed, 7)]), { empty: 'No community you may see takes part.' }),
    table('Positions between them (HOUR)', ['Creditor', 'holds of', 'Amount', 'Would clear'], preview.positions.map((p) => [p.creditor, p.debtor, fmt(p.amount, 7), fmt(p.cleared, 7)]), { empty: 'None.' }),
    table('Left out', ['Community', 'Why'], preview.leftOut.map((l) => [l.community, l.detail || l.reason.replace(/_/g, ' ')]), { empty: 'None.' }))];
  if (hubWide(m)) {
    try {
      const runs = (await api<{ runs: Array<{ id: string; actor: string; state: string; gross: string; cleared: string; startedAt?: string; createdAt?: string; finishedAt?: string | null }> }>('GET', '/netting/runs')).runs;
      const at = (r: typeof runs[number]) => Date.parse(r.startedAt ?? r.createdAt ?? '');
      const sorted = [...runs].sort((a, b) => at(a) - at(b));
      parts.push(section('Cleared by netting over time',
        timeChart('Cleared per run (HOUR)', sorted.map((r) => at(r) / 1000), [{ label: 'cleared', values: sorted.map((r) => Number(r.cleared)), colour: '#8e44ad', bars: true }]),
        table(plural(runs.length, 'run'), ['When', 'By', 'State', 'Gross (HOUR)', 'Cleared (HOUR)'], runs.map((r) => [when(r.startedAt ?? r.createdAt), r.actor, r.state, fmt(r.gross, 7), fmt(r.cleared, 7)]), { empty: 'No run yet.' })));
    } catch (err) {
      parts.push(failed(err, 'the netting runs'));
    }
  }
  if (m.role === 'operator') {
    parts.push(h('p', {}, h('button', { type: 'button', class: 'primary', onclick: async () => {
      const ok = await confirmAction('Run netting now?', [h('p', {}, `The hub clears ${preview.totals ? `${fmt(preview.totals.cleared, 7)} HOUR` : 'what the preview shows'} of positions on the ledger, in transactions that apply wholly or not at all. No member balance or net position moves.`)], 'Run netting');
      if (!ok) { say('Nothing changed.'); return; }
      try {
        const r = await api<{ state: string; cleared: string }>('POST', '/netting/runs');
        await route();
        say(`Netting run ${r.state}: ${fmt(r.cleared, 7)} HOUR cleared.`, r.state === 'failed' ? 'error' : 'ok');
      } catch (err) { say(`The run did not happen: ${err instanceof Error ? err.message : String(err)}`, 'error'); }
    } }, 'Run netting now…')));
  }
  return parts;
}

// ── Exchanges and peers ──────────────────────────────────────────────────────
async function exchangesView(m: Me): Promise<HTMLElement[]> {
  const cs = await communities();
  const out: HTMLElement[] = [];
  const list = async (title: string, path: string, key: string, head: string[], row: (x: Record<string, unknown>) => Array<string>) => {
    try {
      const r = await api<Record<string, Array<Record<string, unknown>>>>('GET', path);
      out.push(section(title, table(title, head, (r[key] ?? []).map(row), { empty: 'None.' })));
    } catch (err) {
      out.push(section(title, err instanceof ApiError && err.status === 403 ? h('p', { class: 'help' }, `Only the hub operator${path === '/exchanges' ? ' and hub-wide auditors' : ''} see this list.`) : failed(err, title)));
    }
  };
  const s = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  if (hubWide(m)) {
    await list('CXP exchanges', '/exchanges', 'exchanges', ['Code', 'Name', 'Status', 'Authentication', 'Last handshake', 'First trade'],
      (x) => [s(x.code), s(x.name), s(x.status), s(x.authentication), when(x.handshakeAt as string), when(x.firstTradeAt as string)]);
  } else {
    for (const c of cs.filter((x) => x.kind === 'cxp')) {
      try {
        const x = await api<Record<string, unknown>>('GET', `/exchanges/${c.code}`);
        out.push(section(`CXP exchange ${c.code}`, h('dl', { class: 'facts' }, h('dt', {}, 'Status'), h('dd', {}, s(x.status)), h('dt', {}, 'Last handshake'), h('dd', {}, when(x.handshakeAt as string)))));
      } catch (err) { out.push(failed(err, `exchange ${c.code}`)); }
    }
  }
  out.push(section('Komunitin peers', table('Currencies served by other Komunitin servers', ['Code', 'Name', 'Status', 'On the ledger'],
    cs.filter((c) => c.kind === 'peer').map((c) => [c.code, c.name, c.status, c.ledgerStatus]), { empty: 'No peer you may see.' })));
  if (m.role === 'operator') {
    await list('Clearing Central connections', '/clearing-central/connections', 'connections', ['Community', 'NID', 'Base URL', 'Accepts bills'],
      (x) => [s(x.community), s(x.nid), s(x.baseUrl), s(x.acceptBills)]);
    await list('CES exchanges (Clearing Central)', '/clearing-central/exchanges', 'exchanges', ['Code', 'NID', 'Name', 'Country', 'conv_rate'],
      (x) => [s(x.code), s(x.nid), s(x.name), s(x.country), s(x.convRate)]);
    await list('Pending admissions (Clearing Central)', '/clearing-central/pending', 'pending', ['Via', 'NID', 'Name', 'Country', 'Requests', 'First seen', 'Last seen'],
      (x) => [s(x.community), s(x.nid), s(x.name), s(x.country), s(x.requests), when(x.firstSeenAt as string), when(x.lastSeenAt as string)]);
  } else {
    out.push(h('p', { class: 'help' }, 'Clearing Central connections and pending admissions are the hub operator\'s to see.'));
  }
  return out;
}

// ── Health ───────────────────────────────────────────────────────────────────
/** Sums of a Prometheus metric's samples, by the value of one label. */
function metric(text: string, name: string, label?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) continue;
    const m = /^[^{\s]+(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const key = label ? labels[label] ?? '' : '';
    out.set(key, (out.get(key) ?? 0) + Number(m[3]));
  }
  return out;
}

async function healthView(m: Me): Promise<HTMLElement[]> {
  const ready = await api<{ status: string; checks: Record<string, { ok: boolean; error?: string }> }>('GET', '/readyz', undefined, { raw: true });
  const metrics = await api<string>('GET', '/metrics', undefined, { raw: true }).catch(() => '');
  const outbox = metric(metrics, 'intertrade_outbox_pending', 'kind');
  const oldest = metric(metrics, 'intertrade_outbox_oldest_pending_seconds', 'kind');
  const drift = metric(metrics, 'intertrade_reconcile_last_drift', 'kind');
  const lastRun = metric(metrics, 'intertrade_reconcile_last_run_timestamp_seconds').get('') ?? 0;
  const backlog = metric(metrics, 'intertrade_ledger_backlog').get('') ?? 0;
  const parts: HTMLElement[] = [
    section('Readiness', h('p', { class: ready.status === 'ready' ? 'ok' : 'error' }, ready.status === 'ready' ? 'The hub is ready: its database and the Stellar network answer.' : 'The hub is NOT ready: see below.'),
      table('Checks', ['Check', 'State', 'What is wrong'], Object.entries(ready.checks).map(([k, v]) => [k, v.ok ? 'ok' : 'failing', v.error ?? '—']))),
    section('Reconciliation drift', h('p', {}, lastRun ? `Last reconciliation with the ledger: ${when(new Date(lastRun * 1000).toISOString())}.` : 'No reconciliation has completed since the hub started.'),
      table('Drift the last reconciliation found, by kind', ['Kind', 'Count'], [...drift.entries()].filter(([, n]) => n > 0).map(([k, n]) => [k, String(n)]), { empty: 'No drift: the hub\'s records and the ledger agree.' })),
    section('Outbox backlog', h('p', {}, `${backlog} Stellar submissions wait for a channel account.`),
      table('Deliveries due to the other side and not acknowledged yet', ['Kind', 'Pending', 'Oldest (s)'], [...outbox.entries()].map(([k, n]) => [k, String(n), String(Math.round(oldest.get(k) ?? 0))]), { empty: 'Nothing waiting.' })),
  ];
  if (m.role === 'operator') {
    const report = h('div', { 'aria-live': 'polite' });
    parts.push(h('section', {}, h('button', { type: 'button', onclick: async () => {
      const ok = await confirmAction('Check the hub against the ledger now?', [h('p', {}, 'The hub compares its records with the ledger and reports what differs. It repairs nothing unless you tick "repair" (offers, limits, unfinished transfers).')], 'Check now');
      if (!ok) { say('Nothing checked.'); return; }
      try {
        const r = await api<{ drift: Array<{ kind: string; community: string; subject: string; detail: string; repaired: boolean }> }>('POST', '/reconcile', {});
        report.replaceChildren(table(`${r.drift.length} differences`, ['Kind', 'Community', 'Subject', 'Detail'], r.drift.map((d) => [d.kind, d.community, d.subject, d.detail]), { empty: 'None: in step with the ledger.' }));
        say(r.drift.length ? `${r.drift.length} differences found.` : 'In step with the ledger.', r.drift.length ? 'error' : 'ok');
      } catch (err) { say(`The check did not run: ${err instanceof Error ? err.message : String(err)}`, 'error'); }
    } }, 'Check against the ledger now…'), report));
  }
  return parts;
}

// ── Audit ────────────────────────────────────────────────────────────────────
async function auditView(): Promise<HTMLElement[]> {
  const subject = new URLSearchParams(location.hash.split('?')[1] ?? '').get('subject') ?? '';
  const r = await api<{ entries: Array<{ at: string; actor: string; role: string | null; action: string; subject: string; before: unknown; after: unknown }> }>('GET', `/audit?limit=1000${subject ? `&subject=${encodeURIComponent(subject)}` : ''}`);
  const input = h('input', { type: 'search', name: 'subject', value: subject, placeholder: 'e.g. community:GRN1', 'aria-label': 'Subject' });
  const show = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v).replace(/[{}"]/g, '').replace(/,/g, ', '));
  return [section('Audit log',
    h('form', { class: 'filters', onsubmit: (e: Event) => { e.preventDefault(); location.hash = `#/audit${input.value ? `?subject=${encodeURIComponent(input.value)}` : ''}`; } },
      h('label', {}, 'Subject ', input), h('button', { type: 'submit' }, 'Filter')),
    table(`${r.entries.length} entries, newest first`, ['When', 'Who', 'Role', 'Action', 'Subject', 'Before', 'After'],
      r.entries.map((e) => [when(e.at), e.actor, e.role ?? 'hub', e.action, e.subject, show(e.before), show(e.after)]), { size: 25, empty: 'No entry you may see.' }))];
}

window.addEventListener('hashchange', () => { void route(); });
document.addEventListener('DOMContentLoaded', () => {
  if (token()) start().catch((err) => { setToken(null); signIn(err instanceof ApiError && err.status === 401 ? 'Your session ended: sign in again.' : String(err instanceof Error ? err.message : err)); });
  else signIn();
});
