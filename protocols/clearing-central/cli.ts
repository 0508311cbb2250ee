/**
 * `intertrade cc …`: the governing body's Clearing Central commands, clients of the
 * operations in governance.ts (the hub runs them; the CLI only calls its API).
 */
import { CliCommands, Usage, command, parse, table } from '../../src/governance';

interface ConnectionView { community: string; nid: string; baseUrl: string; ips: string[]; acceptBills: boolean; dataUrl: string }
interface ExchangeView { code: string; nid: string; name: string; country: string; convRate: string; status: string; creditLimit: string; maxBalance: string }
interface PendingView { community: string; nid: string; name: string; country: string; requests: number; lastSeenAt: string }

export const ccCli: CliCommands = {
  usage: `  cc connect --community CODE --url URL --nid cenNNNN --password PW --ip IP[/BITS],…  [--refuse-bills]
  cc connections | accept-bills CODE on|off                       (Clearing Central)
  cc admit --code CODE --nid cenNNNN --name NAME --country CC --conv-rate R --credit-limit A --max-balance B
  cc exchanges | pending`,
  commands: [
    command('cc connect', async ({ args, api, io }) => {
      const { values } = parse(args, { community: { type: 'string' }, url: { type: 'string' }, nid: { type: 'string' }, password: { type: 'string' }, ip: { type: 'string' }, 'refuse-bills': { type: 'boolean' } }, []);
      if (!values.community || !values.url || !values.nid || !values.password || !values.ip) throw new Usage('cc connect needs --community, --url, --nid, --password and --ip');
      const r = await api<ConnectionView>('POST', '/clearing-central/connections', {
        community: values.community, baseUrl: values.url, nid: values.nid, password: values.password, ips: String(values.ip).split(','),
        ...(values['refuse-bills'] ? { acceptBills: false } : {}),
      });
      io.out(`community ${r.community} connected as ${r.nid} at ${r.baseUrl}`);
      io.out(`  register at Clearing Central: data_url ${r.dataUrl}`);
      io.out('  request_format post, response_format post (the last path segment is a secret: keep it so)');
      return 0;
    }),
    command('cc connections', async ({ args, api, io }) => {
      parse(args, {}, []);
      const { connections } = await api<{ connections: ConnectionView[] }>('GET', '/clearing-central/connections');
      if (connections.length === 0) io.out('no community is connected to a Clearing Central');
      else for (const line of table([['COMMUNITY', 'NID', 'BILLS', 'CLEARING CENTRAL', 'FROM'], ...connections.map((c) => [c.community, c.nid, c.acceptBills ? 'accepted' : 'refused', c.baseUrl, c.ips.join(',')])])) io.out(line);
      return 0;
    }),
    command('cc accept-bills', async ({ args, api, io }) => {
      const { args: [code, onOff] } = parse(args, {}, ['CODE', 'on|off']);
      if (onOff !== 'on' && onOff !== 'off') throw new Usage('cc accept-bills CODE on|off');
      const r = await api<ConnectionView>('PUT', `/clearing-central/connections/${encodeURIComponent(code)}/accept-bills`, { acceptBills: onOff === 'on' });
      io.out(`community ${r.community}: bills from Clearing Central ${r.acceptBills ? 'are paid automatically' : 'are refused'}`);
      return 0;
    }),
    command('cc admit', async ({ args, api, io }) => {
      const { values } = parse(args, { code: { type: 'string' }, nid: { type: 'string' }, name: { type: 'string' }, country: { type: 'string' }, 'conv-rate': { type: 'string' }, 'credit-limit': { type: 'string' }, 'max-balance': { type: 'string' } }, []);
      if (!values.code || !values.nid || !values.name || !values.country || !values['conv-rate'] || !values['credit-limit'] || !values['max-balance']) {
        throw new Usage('cc admit needs --code, --nid, --name, --country, --conv-rate, --credit-limit and --max-balance');
      }
      const e = await api<ExchangeView>('POST', '/clearing-central/exchanges', {
        code: values.code, nid: values.nid, name: values.name, country: values.country, convRate: values['conv-rate'],
        creditLimit: values['credit-limit'], maxBalance: values['max-balance'],
      });
      io.out(`CES exchange ${e.nid} admitted as ${e.code} (${e.convRate} units per hour; min -${e.creditLimit}, max ${e.maxBalance} HOUR)`);
      return 0;
    }),
    command('cc exchanges', async ({ args, api, io }) => {
      parse(args, {}, []);
      const { exchanges } = await api<{ exchanges: ExchangeView[] }>('GET', '/clearing-central/exchanges');
      if (exchanges.length === 0) io.out('no CES exchanges admitted yet');
      else for (const line of table([['CODE', 'NID', 'STATUS', 'CONV RATE', 'COUNTRY', 'NAME'], ...exchanges.map((e) => [e.code, e.nid, e.status, e.convRate, e.country, e.name])])) io.out(line);
      return 0;
    }),
    command('cc pending', async ({ args, api, io }) => {
      parse(args, {}, []);
      const { pending } = await api<{ pending: PendingView[] }>('GET', '/clearing-central/pending');
      if (pending.length === 0) io.out('no pending admissions');
      else for (const line of table([['COMMUNITY', 'NID', 'REQUESTS', 'LAST', 'NAME'], ...pending.map((p) => [p.community, p.nid, String(p.requests), p.lastSeenAt, p.name])])) io.out(line);
      return 0;
    }),
  ],
};
