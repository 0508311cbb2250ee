/**
 * `intertrade community|member|credit-line|rate|transfer|audit …`: the governance API
 * from a shell. The CLI is an HTTP client of the running hub, never a second writer:
 * the hub owns the ledger's channel accounts and sequence numbers, so a second process
 * submitting on them would race it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ClientConfig } from '../config';
import { tokenFile } from './auth';
import { BASE_PATH } from './openapi';
import { RateBody } from './schemas/common';
import { CommunityView, AccountView, CreditLineView, TransferView } from './views';

export const GOVERNANCE_USAGE = `governance (a client of the running hub: HUB_URL, GOVERNANCE_TOKEN):
  community create --code CODE --name NAME [--kind hosted|cxp|ces] [--rate N/D]
                   [--credit-limit A --max-balance B]   (cxp/ces: the exchange's limits)
  community list | show CODE | block CODE | unblock CODE
  member create CODE [--code ACCOUNT] [--credit-limit A] [--max-balance B]
  member list CODE | show CODE ACCOUNT
  member limits CODE ACCOUNT [--credit-limit A] [--max-balance B]
  credit-line set CODE PEER LIMIT  CODE accepts up to LIMIT (CODE units) of PEER's HOUR
  credit-line remove CODE PEER | list CODE
  rate set CODE N/D               one unit of CODE is worth N/D HOUR
  transfer PAYER PAYEE AMOUNT [--meta TEXT] [--key IDEMPOTENCY-KEY]
                                  PAYER/PAYEE as CODE/ACCOUNT; AMOUNT in payee units
  audit [--subject SUBJECT] [--limit N]
  reconcile [--repair]              compare the hub with the ledger (exit 1 while drift remains)
  exchange approve --code CODE --name NAME --uri URL --credit-limit A --max-balance B
                   [--ticks T] [--ratio PERCENT] [--legacy-ip IP,IP]   (CXP; limits in HOUR)
  exchange list | show CODE | block CODE | unblock CODE | rotate-key CODE
  exchange set-ticks CODE TICKS | legacy CODE on|off [--ip IP,IP]`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

class Usage extends Error {}

interface ExchangeView { code: string; name: string; site: string; status: string; ticks: string; authentication: string; creditLimit: string; maxBalance: string }
interface ExchangeAnswer { exchange: ExchangeView; hawk?: { id: string; key: string }; legacyKey?: string }

/** An error answer of the hub, as the API gave it. */
class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
  }
}

type Json = Record<string, unknown>;

function client(config: ClientConfig) {
  let token: string | null | undefined;
  const bearer = (): string => {
    if (token === undefined) {
      const file = tokenFile(config.dataDir);
      token = config.governanceToken?.reveal() ?? (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : null);
    }
    if (!token) {
      throw new ApiFailure(0, 'no_token', `no governance token: set GOVERNANCE_TOKEN, or run beside an embedded hub whose DATA_DIR holds ${tokenFile(config.dataDir)}`);
    }
    return token;
  };
  return async <T = Json>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const url = `${config.hubUrl}${BASE_PATH}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${bearer()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (err instanceof ApiFailure) throw err;
      throw new ApiFailure(0, 'unreachable', `cannot reach the hub at ${config.hubUrl} (${(err as Error).cause ?? (err as Error).message}); is it running? Set HUB_URL to its address`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not the hub's JSON (a proxy's page?): reported below with the status.
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
      throw new ApiFailure(res.status, e?.code ?? 'http_error', e?.message ?? `the hub answered ${res.status} ${res.statusText}`, e?.field);
    }
    return parsed as T;
  };
}

/** "1/10" or "3" → {n, d}; the hub checks the range. */
function parseRate(text: string): RateBody {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(text);
  if (!m) throw new Usage(`rate must be N/D with positive integers, e.g. 1/10 (got "${text}")`);
  return { n: Number(m[1]), d: Number(m[2] ?? '1') };
}

const rateText = (r: RateBody) => `${r.n}/${r.d}`;

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>, positionals: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new Usage((err as Error).message);
  }
  if (parsed.positionals.length !== positionals.length) {
    throw new Usage(`expected ${positionals.length ? positionals.join(' ') : 'no arguments'}, got ${parsed.positionals.length ? parsed.positionals.join(' ') : 'none'}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined> as Record<string, string | undefined>;
  return { values, args: parsed.positionals };
}

const table = (rows: string[][]): string[] => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
};

export async function runGovernanceCli(argv: string[], config: ClientConfig, io: CliIo): Promise<number> {
  const api = client(config);
  const [group = '', ...rest] = argv;
  const sub = rest[0] ?? '';
  try {
    switch (`${group} ${group === 'transfer' || group === 'audit' || group === 'reconcile' ? '' : sub}`.trim()) {
      case 'community create': {
        const { values } = parse(rest.slice(1), { code: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' }, rate: { type: 'string' }, 'credit-limit': { type: 'string' }, 'max-balance': { type: 'string' } }, []);
        if (!values.code || !values.name) throw new Usage('community create needs --code and --name');
        const io2 = values['credit-limit'] !== undefined || values['max-balance'] !== undefined
          ? { importExport: { creditLimit: values['credit-limit'] ?? '0', maxBalance: values['max-balance'] ?? '0' } } : {};
        const c = await api<CommunityView>('POST', '/communities', {
          code: values.code, name: values.name, kind: values.kind ?? 'hosted',
          ...(values.rate ? { rate: parseRate(values.rate) } : {}), ...io2,
        });
        io.out(`community ${c.code} "${c.name}" created (${c.kind}, rate ${rateText(c.rate)} HOUR, ${c.status})`);
        return 0;
      }
      case 'community list': {
        parse(rest.slice(1), {}, []);
        const { communities } = await api<{ communities: CommunityView[] }>('GET', '/communities');
        if (communities.length === 0) {
          io.out('no communities yet: create one with `intertrade community create --code GRN1 --name "Green"`');
          return 0;
        }
        for (const line of table([['CODE', 'KIND', 'STATUS', 'RATE', 'NAME'], ...communities.map((c) => [c.code, c.kind, c.status, rateText(c.rate), c.name])])) io.out(line);
        return 0;
      }
      case 'community show': {
        const { args: [code] } = parse(rest.slice(1), {}, ['CODE']);
        const c = await api<CommunityView>('GET', `/communities/${encodeURIComponent(code)}`);
        const { creditLines } = await api<{ creditLines: CreditLineView[] }>('GET', `/communities/${encodeURIComponent(code)}/credit-lines`);
        io.out(`${c.code}  ${c.name}`);
        io.out(`  kind ${c.kind}, status ${c.status}, ledger ${c.ledgerStatus}, rate ${rateText(c.rate)} HOUR`);
        for (const [k, v] of Object.entries(c.settings)) io.out(`  ${k}: ${v}`);
        for (const [k, v] of Object.entries(c.ledgerAccounts)) io.out(`  ${k} account: ${v}`);
        if (creditLines.length === 0) io.out('  no credit lines');
        for (const l of creditLines) io.out(`  credit line to ${l.peer}: limit ${l.limit}, used ${l.usage}`);
        return 0;
      }
      case 'community block': case 'community unblock': {
        const { args: [code] } = parse(rest.slice(1), {}, ['CODE']);
        const c = await api<CommunityView>('PUT', `/communities/${encodeURIComponent(code)}/status`, { status: sub === 'block' ? 'blocked' : 'active' });
        io.out(`community ${c.code} is ${c.status}`);
        return 0;
      }
      case 'member create': {
        const { values, args: [code] } = parse(rest.slice(1), { code: { type: 'string' }, 'credit-limit': { type: 'string' }, 'max-balance': { type: 'string' } }, ['CODE']);
        const a = await api<AccountView>('POST', `/communities/${encodeURIComponent(code)}/accounts`, {
          ...(values.code ? { code: values.code } : {}),
          ...(values['credit-limit'] !== undefined ? { creditLimit: values['credit-limit'] } : {}),
          ...(values['max-balance'] !== undefined ? { maxBalance: values['max-balance'] } : {}),
        });
        io.out(`member ${a.community}/${a.code} created (credit limit ${a.creditLimit}, max balance ${a.maxBalance}, key ${a.publicKey})`);
        return 0;
      }
      case 'member list': {
        const { args: [code] } = parse(rest.slice(1), {}, ['CODE']);
        const { accounts } = await api<{ accounts: AccountView[] }>('GET', `/communities/${encodeURIComponent(code)}/accounts`);
        if (accounts.length === 0) io.out(`no accounts in ${code}`);
        else for (const line of table([['ACCOUNT', 'KIND', 'STATUS', 'CREDIT LIMIT', 'MAX BALANCE'], ...accounts.map((a) => [a.code, a.kind, a.status, a.creditLimit, a.maxBalance])])) io.out(line);
        return 0;
      }
      case 'member show': {
        const { args: [code, account] } = parse(rest.slice(1), {}, ['CODE', 'ACCOUNT']);
        const a = await api<AccountView>('GET', `/communities/${encodeURIComponent(code)}/accounts/${encodeURIComponent(account)}`);
        io.out(`${a.community}/${a.code} (${a.kind}, ${a.status}): balance ${a.balance}, credit limit ${a.creditLimit}, max balance ${a.maxBalance}`);
        return 0;
      }
      case 'member limits': {
        const { values, args: [code, account] } = parse(rest.slice(1), { 'credit-limit': { type: 'string' }, 'max-balance': { type: 'string' } }, ['CODE', 'ACCOUNT']);
        const a = await api<AccountView>('PUT', `/communities/${encodeURIComponent(code)}/accounts/${encodeURIComponent(account)}/limits`, {
          ...(values['credit-limit'] !== undefined ? { creditLimit: values['credit-limit'] } : {}),
          ...(values['max-balance'] !== undefined ? { maxBalance: values['max-balance'] } : {}),
        });
        io.out(`${a.community}/${a.code}: credit limit ${a.creditLimit}, max balance ${a.maxBalance}`);
        return 0;
      }
      case 'credit-line set': {
        const { args: [code, peer, limit] } = parse(rest.slice(1), {}, ['CODE', 'PEER', 'LIMIT']);
        const l = await api<CreditLineView>('PUT', `/communities/${encodeURIComponent(code)}/credit-lines/${encodeURIComponent(peer)}`, { limit });
        io.out(`${l.community} accepts up to ${l.limit} ${l.community} of ${l.peer}'s HOUR (used ${l.usage})`);
        return 0;
      }
      case 'credit-line remove': {
        const { args: [code, peer] } = parse(rest.slice(1), {}, ['CODE', 'PEER']);
        await api('DELETE', `/communities/${encodeURIComponent(code)}/credit-lines/${encodeURIComponent(peer)}`);
        io.out(`credit line of ${code} to ${peer} removed`);
        return 0;
      }
      case 'credit-line list': {
        const { args: [code] } = parse(rest.slice(1), {}, ['CODE']);
        const { creditLines } = await api<{ creditLines: CreditLineView[] }>('GET', `/communities/${encodeURIComponent(code)}/credit-lines`);
        if (creditLines.length === 0) io.out(`${code} extends no credit lines`);
        else for (const line of table([['PEER', 'LIMIT', 'USED'], ...creditLines.map((l) => [l.peer, l.limit, l.usage])])) io.out(line);
        return 0;
      }
      case 'rate set': {
        const { args: [code, rate] } = parse(rest.slice(1), {}, ['CODE', 'N/D']);
        const c = await api<CommunityView>('PUT', `/communities/${encodeURIComponent(code)}/rate`, parseRate(rate));
        io.out(`rate of ${c.code} set: 1 ${c.code} = ${rateText(c.rate)} HOUR`);
        return 0;
      }
      case 'transfer': {
        const { values, args: [payer, payee, amount] } = parse(rest, { meta: { type: 'string' }, key: { type: 'string' } }, ['PAYER', 'PAYEE', 'AMOUNT']);
        const t = await api<TransferView>('POST', '/transfers', { payer, payee, amount, ...(values.meta ? { meta: values.meta } : {}) },
          { 'idempotency-key': values.key ?? crypto.randomUUID() });
        const unit = (ref: string) => ref.split('/')[0];
        if (t.state === 'rejected' || t.state === 'failed') {
          io.err(`transfer ${t.id} ${t.state}: ${t.errorMessage ?? t.errorCode} (${t.errorCode})`);
          return 1;
        }
        io.out(`transfer ${t.id} ${t.state}: ${t.payer} paid ${t.sourceAmount ?? '?'} ${unit(t.payer)}, ${t.payee} received ${t.amount} ${unit(t.payee)}`);
        return 0;
      }
      case 'audit': {
        const { values } = parse(rest, { subject: { type: 'string' }, limit: { type: 'string' } }, []);
        const q = new URLSearchParams();
        if (values.subject) q.set('subject', values.subject);
        if (values.limit) q.set('limit', values.limit);
        const { entries } = await api<{ entries: Array<{ at: string; actor: string; action: string; subject: string; before: unknown; after: unknown }> }>(
          'GET', `/audit${q.size ? `?${q}` : ''}`);
        if (entries.length === 0) io.out('no changes recorded');
        for (const e of entries) io.out(`${e.at}  ${e.actor}  ${e.action}  ${e.subject}  ${JSON.stringify(e.before)} → ${JSON.stringify(e.after)}`);
        return 0;
      }
      case 'reconcile': {
        const { values } = parse(rest, { repair: { type: 'boolean' } }, []);
        const { drift } = await api<{ drift: Array<{ kind: string; community: string; subject: string; detail: string; repaired: boolean }> }>(
          'POST', '/reconcile', { repair: Boolean(values.repair) });
        if (drift.length === 0) io.out('the hub and the ledger are in step');
        for (const d of drift) io.out(`${d.community}  ${d.kind}  ${d.subject}  ${d.detail}${d.repaired ? '  [repaired]' : ''}`);
        return drift.some((d) => !d.repaired) ? 1 : 0;
      }
      case 'exchange approve': {
        const { values } = parse(rest.slice(1), { code: { type: 'string' }, name: { type: 'string' }, uri: { type: 'string' }, ticks: { type: 'string' }, 'credit-limit': { type: 'string' }, 'max-balance': { type: 'string' }, ratio: { type: 'string' }, 'legacy-ip': { type: 'string' } }, []);
        if (!values.code || !values.name || !values.uri || !values['credit-limit'] || !values['max-balance']) throw new Usage('exchange approve needs --code, --name, --uri, --credit-limit and --max-balance');
        const r = await api<ExchangeAnswer>('POST', '/exchanges', {
          code: values.code, name: values.name, uri: values.uri, creditLimit: values['credit-limit'], maxBalance: values['max-balance'],
          ...(values.ticks ? { ticks: values.ticks } : {}), ...(values.ratio ? { ratioPercent: Number(values.ratio) } : {}),
          ...(values['legacy-ip'] ? { legacy: { ips: values['legacy-ip'].split(',') } } : {}),
        });
        io.out(`exchange ${r.exchange.code} approved at ${r.exchange.site} (ticks ${r.exchange.ticks}, min -${r.exchange.creditLimit}, max ${r.exchange.maxBalance} HOUR)`);
        io.out(`  Hawk id:  ${r.hawk?.id}`);
        io.out(`  Hawk key: ${r.hawk?.key}   (sha256; shown once: give it to the exchange)`);
        if (r.legacyKey) io.out(`  legacy key: ${r.legacyKey}   (shown once; weaker authentication)`);
        return 0;
      }
      case 'exchange list': {
        parse(rest.slice(1), {}, []);
        const { exchanges } = await api<{ exchanges: ExchangeView[] }>('GET', '/exchanges');
        if (exchanges.length === 0) io.out('no exchanges yet');
        else for (const line of table([['CODE', 'STATUS', 'AUTH', 'TICKS', 'SITE', 'NAME'], ...exchanges.map((e) => [e.code, e.status, e.authentication === 'legacy' ? 'legacy (weaker)' : 'hawk', e.ticks, e.site, e.name])])) io.out(line);
        return 0;
      }
      case 'exchange show': {
        const { args: [code] } = parse(rest.slice(1), {}, ['CODE']);
        const e = await api<ExchangeView & Record<string, unknown>>('GET', `/exchanges/${encodeURIComponent(code)}`);
        for (const [k, v] of Object.entries(e)) io.out(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
        return 0;
      }
      case 'exchange block': case 'exchange unblock': {
        const { args: [code] } = parse(rest.slice(1), {}, ['CODE']);
        const e = await api<ExchangeView>('PUT', `/exchanges/${encodeURIComponent(code)}/status`, { status: sub === 'block' ? 'blocked' : 'active' });
        io.out(`exchange ${e.code} is ${e.status}`);
        return 0;
      }
      case 'exchange rotate-key': {
        const { args: [code] } = parse(rest.slice(1), {}, ['CODE']);
        const r = await api<ExchangeAnswer>('POST', `/exchanges/${encodeURIComponent(code)}/key`);
        io.out(`new Hawk key for ${r.exchange.code} (id ${r.hawk?.id}): ${r.hawk?.key}   (shown once; the old key no longer works)`);
        return 0;
      }
      case 'exchange set-ticks': {
        const { args: [code, ticks] } = parse(rest.slice(1), {}, ['CODE', 'TICKS']);
        const e = await api<ExchangeView>('PUT', `/exchanges/${encodeURIComponent(code)}/ticks`, { ticks });
        io.out(`exchange ${e.code}: ticks ${e.ticks}`);
        return 0;
      }
      case 'exchange legacy': {
        const { values, args: [code, onOff] } = parse(rest.slice(1), { ip: { type: 'string' } }, ['CODE', 'on|off']);
        if (onOff !== 'on' && onOff !== 'off') throw new Usage('exchange legacy CODE on|off');
        const r = await api<ExchangeAnswer>('PUT', `/exchanges/${encodeURIComponent(code)}/legacy`, { enabled: onOff === 'on', ...(values.ip ? { ips: values.ip.split(',') } : {}) });
        io.out(`exchange ${r.exchange.code}: ${r.exchange.authentication === 'legacy' ? 'legacy mode (weaker authentication)' : 'Hawk only'}`);
        if (r.legacyKey) io.out(`  legacy key: ${r.legacyKey}   (shown once)`);
        return 0;
      }
      default:
        throw new Usage(`unknown command "${argv.slice(0, 2).join(' ')}"`);
    }
  } catch (err) {
    if (err instanceof Usage) {
      io.err(`${err.message}\n\n${GOVERNANCE_USAGE}`);
      return 2;
    }
    if (err instanceof ApiFailure) {
      io.err(`error: ${err.message}${err.field ? ` (field: ${err.field})` : ''}${err.status ? ` [${err.status} ${err.code}]` : ''}`);
      return 1;
    }
    throw err;
  }
}
