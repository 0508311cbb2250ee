/**
 * `intertrade community|member|credit-line|rate|transfer|audit|reconcile|token|netting …`: the
 * governance API from a shell. The CLI is an HTTP client of the running hub, never a
 * second writer: the hub owns the ledger's channel accounts and sequence numbers, so a
 * second process submitting on them would race it. Protocols add their own commands
 * (cli.ts in their folder), run by the same dispatcher.
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { ClientConfig } from '../config';
import { ApiFailure, CliCommand, CliCommands, CliIo, Usage, client, command, parse, parseRate, rateText, table } from './cli-kit';
import { CommunityView, AccountView, CreditLineView, TransferView } from './views';

const usage = (mirrorKinds: readonly string[]) => `governance (a client of the running hub: HUB_URL, GOVERNANCE_TOKEN):
  community create --code CODE --name NAME [--kind ${['hosted', ...mirrorKinds].join('|')}] [--rate N/D]
                   [--credit-limit A --max-balance B]${mirrorKinds.length ? `   (${mirrorKinds.join('/')}: the exchange's limits)` : ''}
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
  token create --actor NAME --role operator|community|auditor [--community CODE]… [--expires ISO-8601]
                                  prints the new token alone on its last line (shown once)
  token list | revoke ACTOR        (hub operator only)
  netting preview                  the largest clearing of inter-community positions now (nothing moves)
  netting set CODE on|off [--cap AMOUNT]   whether CODE takes part; most one run clears (CODE units)
  netting run | runs               clear now on the ledger (hub operator) | the latest runs`;

/** The hub's own governance commands; communities may be created as the mirror kinds the protocols declare. */
export const governanceCommands = (mirrorKinds: readonly string[] = []): CliCommands => ({
  usage: usage(mirrorKinds),
  commands: [
    command('community create', async ({ args, api, io }) => {
      const { values } = parse(args, { code: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' }, rate: { type: 'string' }, 'credit-limit': { type: 'string' }, 'max-balance': { type: 'string' } }, []);
      if (!values.code || !values.name) throw new Usage('community create needs --code and --name');
      const io2 = values['credit-limit'] !== undefined || values['max-balance'] !== undefined
        ? { importExport: { creditLimit: values['credit-limit'] ?? '0', maxBalance: values['max-balance'] ?? '0' } } : {};
      const c = await api<CommunityView>('POST', '/communities', {
        code: values.code, name: values.name, kind: values.kind ?? 'hosted',
        ...(values.rate ? { rate: parseRate(values.rate) } : {}), ...io2,
      });
      io.out(`community ${c.code} "${c.name}" created (${c.kind}, rate ${rateText(c.rate)} HOUR, ${c.status})`);
      return 0;
    }),
    command('community list', async ({ args, api, io }) => {
      parse(args, {}, []);
      const { communities } = await api<{ communities: CommunityView[] }>('GET', '/communities');
      if (communities.length === 0) {
        io.out('no communities yet: create one with `intertrade community create --code GRN1 --name "Green"`');
        return 0;
      }
      for (const line of table([['CODE', 'KIND', 'STATUS', 'RATE', 'NAME'], ...communities.map((c) => [c.code, c.kind, c.status, rateText(c.rate), c.name])])) io.out(line);
      return 0;
    }),
    command('community show', async ({ args, api, io }) => {
      const { args: [code] } = parse(args, {}, ['CODE']);
      const c = await api<CommunityView>('GET', `/communities/${encodeURIComponent(code)}`);
      const { creditLines } = await api<{ creditLines: CreditLineView[] }>('GET', `/communities/${encodeURIComponent(code)}/credit-lines`);
      io.out(`${c.code}  ${c.name}`);
      io.out(`  kind ${c.kind}, status ${c.status}, ledger ${c.ledgerStatus}, rate ${rateText(c.rate)} HOUR`);
      for (const [k, v] of Object.entries(c.settings)) io.out(`  ${k}: ${v}`);
      for (const [k, v] of Object.entries(c.ledgerAccounts)) io.out(`  ${k} account: ${v}`);
      if (creditLines.length === 0) io.out('  no credit lines');
      for (const l of creditLines) io.out(`  credit line to ${l.peer}: limit ${l.limit}, used ${l.usage}`);
      return 0;
    }),
    ...['community block', 'community unblock'].map((name) => command(name, async ({ args, sub, api, io }) => {
      const { args: [code] } = parse(args, {}, ['CODE']);
      const c = await api<CommunityView>('PUT', `/communities/${encodeURIComponent(code)}/status`, { status: sub === 'block' ? 'blocked' : 'active' });
      io.out(`community ${c.code} is ${c.status}`);
      return 0;
    })),
    command('member create', async ({ args, api, io }) => {
      const { values, args: [code] } = parse(args, { code: { type: 'string' }, 'credit-limit': { type: 'string' }, 'max-balance': { type: 'string' } }, ['CODE']);
      const a = await api<AccountView>('POST', `/communities/${encodeURIComponent(code)}/accounts`, {
        ...(values.code ? { code: values.code } : {}),
        ...(values['credit-limit'] !== undefined ? { creditLimit: values['credit-limit'] } : {}),
        ...(values['max-balance'] !== undefined ? { maxBalance: values['max-balance'] } : {}),
      });
      io.out(`member ${a.community}/${a.code} created (credit limit ${a.creditLimit}, max balance ${a.maxBalance}, key ${a.publicKey})`);
      return 0;
    }),
    command('member list', async ({ args, api, io }) => {
      const { args: [code] } = parse(args, {}, ['CODE']);
      const { accounts } = await api<{ accounts: AccountView[] }>('GET', `/communities/${encodeURIComponent(code)}/accounts`);
      if (accounts.length === 0) io.out(`no accounts in ${code}`);
      else for (const line of table([['ACCOUNT', 'KIND', 'STATUS', 'CREDIT LIMIT', 'MAX BALANCE'], ...accounts.map((a) => [a.code, a.kind, a.status, a.creditLimit, a.maxBalance])])) io.out(line);
      return 0;
    }),
    command('member show', async ({ args, api, io }) => {
      const { args: [code, account] } = parse(args, {}, ['CODE', 'ACCOUNT']);
      const a = await api<AccountView>('GET', `/communities/${encodeURIComponent(code)}/accounts/${encodeURIComponent(account)}`);
      io.out(`${a.community}/${a.code} (${a.kind}, ${a.status}): balance ${a.balance}, credit limit ${a.creditLimit}, max balance ${a.maxBalance}`);
      return 0;
    }),
    command('member limits', async ({ args, api, io }) => {
      const { values, args: [code, account] } = parse(args, { 'credit-limit': { type: 'string' }, 'max-balance': { type: 'string' } }, ['CODE', 'ACCOUNT']);
      const a = await api<AccountView>('PUT', `/communities/${encodeURIComponent(code)}/accounts/${encodeURIComponent(account)}/limits`, {
        ...(values['credit-limit'] !== undefined ? { creditLimit: values['credit-limit'] } : {}),
        ...(values['max-balance'] !== undefined ? { maxBalance: values['max-balance'] } : {}),
      });
      io.out(`${a.community}/${a.code}: credit limit ${a.creditLimit}, max balance ${a.maxBalance}`);
      return 0;
    }),
    command('credit-line set', async ({ args, api, io }) => {
      const { args: [code, peer, limit] } = parse(args, {}, ['CODE', 'PEER', 'LIMIT']);
      const l = await api<CreditLineView>('PUT', `/communities/${encodeURIComponent(code)}/credit-lines/${encodeURIComponent(peer)}`, { limit });
      io.out(`${l.community} accepts up to ${l.limit} ${l.community} of ${l.peer}'s HOUR (used ${l.usage})`);
      return 0;
    }),
    command('credit-line remove', async ({ args, api, io }) => {
      const { args: [code, peer] } = parse(args, {}, ['CODE', 'PEER']);
      await api('DELETE', `/communities/${encodeURIComponent(code)}/credit-lines/${encodeURIComponent(peer)}`);
      io.out(`credit line of ${code} to ${peer} removed`);
      return 0;
    }),
    command('credit-line list', async ({ args, api, io }) => {
      const { args: [code] } = parse(args, {}, ['CODE']);
      const { creditLines } = await api<{ creditLines: CreditLineView[] }>('GET', `/communities/${encodeURIComponent(code)}/credit-lines`);
      if (creditLines.length === 0) io.out(`${code} extends no credit lines`);
      else for (const line of table([['PEER', 'LIMIT', 'USED'], ...creditLines.map((l) => [l.peer, l.limit, l.usage])])) io.out(line);
      return 0;
    }),
    command('rate set', async ({ args, api, io }) => {
      const { args: [code, rate] } = parse(args, {}, ['CODE', 'N/D']);
      const c = await api<CommunityView>('PUT', `/communities/${encodeURIComponent(code)}/rate`, parseRate(rate));
      io.out(`rate of ${c.code} set: 1 ${c.code} = ${rateText(c.rate)} HOUR`);
      return 0;
    }),
    command('transfer', async ({ args, api, io }) => {
      const { values, args: [payer, payee, amount] } = parse(args, { meta: { type: 'string' }, key: { type: 'string' } }, ['PAYER', 'PAYEE', 'AMOUNT']);
      const t = await api<TransferView>('POST', '/transfers', { payer, payee, amount, ...(values.meta ? { meta: values.meta } : {}) },
        { 'idempotency-key': values.key ?? crypto.randomUUID() });
      const unit = (ref: string) => ref.split('/')[0];
      if (t.state === 'rejected' || t.state === 'failed') {
        io.err(`transfer ${t.id} ${t.state}: ${t.errorMessage ?? t.errorCode} (${t.errorCode})`);
        return 1;
      }
      io.out(`transfer ${t.id} ${t.state}: ${t.payer} paid ${t.sourceAmount ?? '?'} ${unit(t.payer)}, ${t.payee} received ${t.amount} ${unit(t.payee)}`);
      return 0;
    }),
    command('audit', async ({ args, api, io }) => {
      const { values } = parse(args, { subject: { type: 'string' }, limit: { type: 'string' } }, []);
      const q = new URLSearchParams();
      if (values.subject) q.set('subject', values.subject);
      if (values.limit) q.set('limit', values.limit);
      const { entries } = await api<{ entries: Array<{ at: string; actor: string; role: string | null; action: string; subject: string; before: unknown; after: unknown }> }>(
        'GET', `/audit${q.size ? `?${q}` : ''}`);
      if (entries.length === 0) io.out('no changes recorded');
      for (const e of entries) io.out(`${e.at}  ${e.actor}${e.role ? ` (${e.role})` : ''}  ${e.action}  ${e.subject}  ${JSON.stringify(e.before)} → ${JSON.stringify(e.after)}`);
      return 0;
    }),
    command('reconcile', async ({ args, api, io }) => {
      const { values } = parse(args, { repair: { type: 'boolean' } }, []);
      const { drift } = await api<{ drift: Array<{ kind: string; community: string; subject: string; detail: string; repaired: boolean }> }>(
        'POST', '/reconcile', { repair: Boolean(values.repair) });
      if (drift.length === 0) io.out('the hub and the ledger are in step');
      for (const d of drift) io.out(`${d.community}  ${d.kind}  ${d.subject}  ${d.detail}${d.repaired ? '  [repaired]' : ''}`);
      return drift.some((d) => !d.repaired) ? 1 : 0;
    }),
    command('netting preview', async ({ args, api, io }) => {
      parse(args, {}, []);
      const p = await api<NettingPreviewView>('GET', '/netting/preview');
      if (p.totals) io.out(`cleared ${p.totals.cleared} of ${p.totals.gross} HOUR of positions (${(p.totals.share * 100).toFixed(1)} %)`);
      if (p.communities.length > 0) {
        for (const line of table([['COMMUNITY', 'CLAIMS (HOUR)', 'AFTER', 'DEBTS (HOUR)', 'AFTER', 'ROOM FREED'],
          ...p.communities.map((c) => [c.community, c.claimsBefore, c.claimsAfter, c.debtsBefore, c.debtsAfter, c.roomFreed])])) io.out(line);
      } else io.out('no community takes part yet (netting set CODE on)');
      for (const l of p.leftOut) io.out(`${l.community} takes no part: ${l.detail}`);
      return 0;
    }),
    command('netting set', async ({ args, api, io }) => {
      const { values, args: [code, onOff] } = parse(args, { cap: { type: 'string' } }, ['CODE', 'on|off']);
      if (onOff !== 'on' && onOff !== 'off') throw new Usage(`netting set: say on or off, not "${onOff}"`);
      const s = await api<{ community: string; optedIn: boolean; cap: string | null }>('PUT', `/communities/${encodeURIComponent(code)}/netting`,
        { optedIn: onOff === 'on', ...(values.cap !== undefined ? { cap: values.cap } : {}) });
      io.out(`${s.community} ${s.optedIn ? 'takes part in netting' : 'takes no part in netting'}${s.cap !== null ? `, at most ${s.cap} ${s.community} per run` : ''}`);
      return 0;
    }),
    command('netting run', async ({ args, api, io }) => {
      parse(args, {}, []);
      const r = await api<NettingRunView>('POST', '/netting/runs');
      io.out(`netting run ${r.id} ${r.state}: cleared ${r.cleared} of ${r.gross} HOUR in ${r.transactions.length} transaction(s)${r.error ? ` — ${r.error}` : ''}`);
      return r.state === 'done' ? 0 : 1;
    }),
    command('netting runs', async ({ args, api, io }) => {
      parse(args, {}, []);
      const { runs } = await api<{ runs: NettingRunView[] }>('GET', '/netting/runs');
      if (runs.length === 0) io.out('no netting run yet');
      else for (const line of table([['STARTED', 'STATE', 'CLEARED (HOUR)', 'GROSS (HOUR)', 'BY'], ...runs.map((r) => [r.startedAt, r.state, r.cleared, r.gross, r.actor])])) io.out(line);
      return 0;
    }),
    command('token create', async ({ args, api, io }) => {
      const { values } = parseTokenArgs(args);
      if (!values.actor || !values.role) throw new Usage('token create needs --actor and --role');
      const { token, details: t } = await api<{ token: string; details: TokenView }>('POST', '/tokens', {
        actor: values.actor, role: values.role,
        ...(values.community.length ? { communities: values.community } : {}),
        ...(values.expires ? { expiresAt: values.expires } : {}),
      });
      io.out(`token ${t.id} for ${t.actor}: ${t.role}${t.communities.length ? ` of ${t.communities.join(', ')}` : ' of the whole hub'}, `
        + `${t.expiresAt ? `expires ${t.expiresAt}` : 'until revoked'}; it is shown only now:`);
      io.out(token);
      return 0;
    }),
    command('token list', async ({ args, api, io }) => {
      parse(args, {}, []);
      const { tokens } = await api<{ tokens: TokenView[] }>('GET', '/tokens');
      if (tokens.length === 0) io.out('no tokens in the database (GOVERNANCE_TOKENS are not listed)');
      else {
        const now = new Date().toISOString();
        for (const line of table([['ACTOR', 'ROLE', 'COMMUNITIES', 'ID', 'CREATED', 'EXPIRES'], ...tokens.map((t) => [
          t.actor, t.role, t.communities.join(',') || '(hub)', t.id, t.createdAt, t.expiresAt ? `${t.expiresAt}${t.expiresAt <= now ? ' (expired)' : ''}` : '-',
        ])])) io.out(line);
      }
      return 0;
    }),
    command('token revoke', async ({ args, api, io }) => {
      const { args: [actor] } = parse(args, {}, ['ACTOR']);
      await api('DELETE', `/tokens/${encodeURIComponent(actor)}`);
      io.out(`tokens of ${actor} revoked`);
      return 0;
    }),
  ],
});

interface NettingPreviewView {
  communities: Array<{ community: string; claimsBefore: string; claimsAfter: string; debtsBefore: string; debtsAfter: string; roomFreed: string }>;
  leftOut: Array<{ community: string; reason: string; detail: string }>;
  totals?: { gross: string; cleared: string; share: number };
}

interface NettingRunView { id: string; actor: string; state: string; gross: string; cleared: string; transactions: string[]; error: string | null; startedAt: string }

interface TokenView { id: string; actor: string; role: string; communities: string[]; createdAt: string; expiresAt: string | null }

/** `--community` may be given again for each community. */
function parseTokenArgs(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { actor: { type: 'string' }, role: { type: 'string' }, community: { type: 'string', multiple: true }, expires: { type: 'string' } }, strict: true });
  } catch (err) {
    throw new Usage((err as Error).message);
  }
  return { values: { ...parsed.values, community: parsed.values.community ?? [] } };
}

/** Usage of the hub's commands followed by each protocol's. */
export const governanceUsage = (sets: CliCommands[]): string => sets.map((x) => x.usage).join('\n');

/** The first word of every command: what `intertrade <word> …` hands to the governance CLI. */
export const governanceGroups = (sets: CliCommands[]): Set<string> => new Set(sets.flatMap((x) => x.commands.map((c) => c.name.split(' ')[0])));

/**
 * Runs one command line: the two-word command it names ("community list"), else the
 * one-word one ("transfer …"). `sets` are the hub's commands and the protocols'.
 */
export async function runGovernanceCli(argv: string[], config: ClientConfig, io: CliIo, sets: CliCommands[] = [governanceCommands()]): Promise<number> {
  const api = client(config);
  const byName = new Map<string, CliCommand>(sets.flatMap((x) => x.commands.map((c) => [c.name, c] as const)));
  const [group = '', ...rest] = argv;
  const sub = rest[0] ?? '';
  const usage = governanceUsage(sets);
  try {
    const two = byName.get(`${group} ${sub}`);
    const one = byName.get(group);
    if (two) return await two.run({ args: rest.slice(1), sub, api, io });
    if (one) return await one.run({ args: rest, sub: '', api, io });
    throw new Usage(`unknown command "${argv.slice(0, 2).join(' ')}"`);
  } catch (err) {
    if (err instanceof Usage) {
      io.err(`${err.message}\n\n${usage}`);
      return 2;
    }
    if (err instanceof ApiFailure) {
      io.err(`error: ${err.message}${err.field ? ` (field: ${err.field})` : ''}${err.status ? ` [${err.status} ${err.code}]` : ''}`);
      return 1;
    }
    throw err;
  }
}
