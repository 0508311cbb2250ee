/** Small DOM helpers: elements, messages in words, confirmations, pagination. No framework. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/** An element with attributes (on* are listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Says something in the status line (read out by screen readers); errors stay until the next message. */
export function say(text: string, kind: 'ok' | 'error' | 'info' = 'info'): void {
  const s = document.getElementById('status')!;
  s.className = kind;
  s.textContent = text;
  if (kind !== 'error') {
    const shown = text;
    setTimeout(() => { if (s.textContent === shown) { s.textContent = ''; s.className = ''; } }, 8000);
  }
}

/** Asks before an action: what will change, in words. Resolves true on Confirm; Escape or Cancel is false. */
export function confirmAction(title: string, body: Array<Child>, ok = 'Confirm'): Promise<boolean> {
  const d = document.getElementById('confirm') as HTMLDialogElement;
  document.getElementById('confirm-title')!.textContent = title;
  document.getElementById('confirm-body')!.replaceChildren(...body.flatMap((c) => (c === null || c === undefined || c === false ? [] : [typeof c === 'object' ? c : String(c)])));
  const okButton = document.getElementById('confirm-ok') as HTMLButtonElement;
  const cancel = document.getElementById('confirm-cancel') as HTMLButtonElement;
  okButton.textContent = ok;
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      okButton.removeEventListener('click', yes);
      cancel.removeEventListener('click', no);
      d.removeEventListener('cancel', no);
      if (d.open) d.close();
      resolve(v);
    };
    const yes = () => done(true);
    const no = () => done(false);
    okButton.addEventListener('click', yes);
    cancel.addEventListener('click', no);
    d.addEventListener('cancel', no);
    d.showModal();
    okButton.focus();
  });
}

/** A table with a caption; rows paginated `size` at a time with Previous/Next. */
export function table(caption: string, head: string[], rows: Array<Array<Child>>, opts: { size?: number; empty?: string; rowAttrs?: (i: number) => Attrs } = {}): HTMLElement {
  const size = opts.size ?? 20;
  let page = 0;
  const wrap = h('div', { class: 'table' });
  const draw = () => {
    const pages = Math.max(1, Math.ceil(rows.length / size));
    page = Math.min(page, pages - 1);
    const shown = rows.slice(page * size, (page + 1) * size);
    const start = page * size;
    wrap.replaceChildren(
      h('div', { class: 'scroll' }, h('table', {},
        h('caption', {}, caption),
        h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.length === 0
          ? h('tr', {}, h('td', { colspan: head.length, class: 'empty' }, opts.empty ?? 'Nothing to show.'))
          : shown.map((r, i) => h('tr', opts.rowAttrs?.(start + i) ?? {}, r.map((c) => h('td', {}, c))))))),
      rows.length > size ? pager(page + 1, page + 1 < pages, (p) => { page = p - 1; draw(); }, `of ${pages}`) : '',
    );
  };
  draw();
  return wrap;
}

/** Previous / page n / Next. */
export function pager(page: number, hasMore: boolean, go: (page: number) => void, suffix = ''): HTMLElement {
  return h('div', { class: 'pager', role: 'navigation', 'aria-label': 'Pages' },
    h('button', { type: 'button', disabled: page <= 1, onclick: () => go(page - 1) }, '← Previous'),
    h('span', {}, ` page ${page} ${suffix} `),
    h('button', { type: 'button', disabled: !hasMore, onclick: () => go(page + 1) }, 'Next →'));
}

/** A bar showing a share (0..1) of a limit, with the figures in words beside it. */
export function usageBar(used: number, limit: number, label: string): HTMLElement {
  const share = limit > 0 ? Math.min(1, used / limit) : 0;
  const pct = Math.round(share * 1000) / 10;
  return h('div', { class: 'usage' },
    h('meter', { min: 0, max: 1, low: 0.5, high: 0.8, optimum: 0, value: share, 'aria-label': label, title: `${pct} % used` }),
    h('span', {}, ` ${pct} %`));
}

export const fmt = (s: string | number, digits = 2): string => {
  const n = typeof s === 'number' ? s : Number(s);
  return Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits }) : String(s);
};

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—');

/** A colour for a share used: green, amber, red (colour-blind readers get the figure too). */
export const shareColour = (share: number): string => (share >= 0.8 ? '#c0392b' : share >= 0.5 ? '#d68910' : '#1e8449');
