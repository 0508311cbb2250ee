/**
 * `intertrade cc …`: the governing body's Clearing Central commands, clients of the
 * operations in governance.ts (the hub runs them; the CLI only calls its API).
 */
import { CliCommands, Usage, command, parse, table } from '../../src/governance';
import { serverCommands, serverUsage } from './server/cli';

interface ConnectionView { community: string; nid: string; baseUrl: string; ips: string[]; acceptBills: boolean; dataUrl: string }
interface ExchangeView { code: string; nid: string; name: string; country: string; convRate: string; status: string; creditLimit: string; maxBalance: string }
interface BillView { txid: string; seller: string; buyerNid: string; buyerId: string; amount: string; state: string; code: number | null; message: string }
interface PendingView { community: string; nid: string; name: string; country: string; requests: number; lastSeenAt: string }

export const ccCli: CliCommands = {
  usage: `  cc connect --community CODE --url URL --nid cenNNNN --password PW --ip IP[/BITS],…  [--refuse-bills]
  cc connections | accept-bills CODE on|off                       (Clearing Central)
  cc admit --code CODE --nid cenNNNN --name NAME --country CC --conv-rate R --credit-limit A --max-balance B
  cc exchanges | pending
  cc bill --seller COMMUNITY/ACCOUNT --buyer-nid cenNNNN --buyer-id ID --amount A --description TEXT
  cc bills [--state unknown|paid|refused|accepted|sending] | resolve TXID [paid|failed]
${serverUsage}`,
  commands: [
    ...serverCommands,
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
    command('cc bill', async ({ args, api, io }) => {
      const { values } = parse(args, { seller: { type: 'string' }, 'buyer-nid': { type: 'string' }, 'buyer-id': { type: 'string' }, amount: { type: 'string' }, description: { type: 'string' } }, []);
      if (!values.seller || !values['buyer-nid'] || !values['buyer-id'] || !values.amount || !values.description) throw new Usage('cc bill needs --seller, --buyer-nid, --buyer-id, --amount and --description');
      const b = await api<BillView>('POST', '/clearing-central/bills', { seller: values.seller, buyerNid: values['buyer-nid'], buyerId: values['buyer-id'], amount: values.amount, description: values.description });
      io.out(billLine(b));
      return b.state === 'paid' ? 0 : 3;
    }),
    // Clearing Central is seller-initiated: there is no way to pay a CES member, so say so.
    command('cc pay', async () => {
      throw new Usage('a CES member cannot be paid through Clearing Central: only the seller starts a transaction there. Ask the CES member to bill you (their bill is paid here automatically), or bill them with `cc bill` if they owe you');
    }),
    command('cc bills', async ({ args, api, io }) => {
      const { values } = parse(args, { state: { type: 'string' } }, []);
      const { bills } = await api<{ bills: BillView[] }>('GET', `/clearing-central/bills${values.state ? `?state=${encodeURIComponent(values.state)}` : ''}`);
      if (bills.length === 0) io.out('no bills');
      else for (const line of table([['TXID', 'STATE', 'CODE', 'SELLER', 'BUYER', 'AMOUNT'], ...bills.map((b) => [b.txid, b.state, b.code === null ? '' : String(b.code), b.seller, `${b.buyerNid}/${b.buyerId}`, b.amount])])) io.out(line);
      return 0;
    }),
    command('cc resolve', async ({ args, api, io }) => {
      const { args: [txid, outcome] } = parse(args, {}, args.length > 1 ? ['TXID', 'paid|failed'] : ['TXID']);
      if (outcome !== undefined && outcome !== 'paid' && outcome !== 'failed') throw new Usage('cc resolve TXID [paid|failed]');
      const b = await api<BillView>('POST', `/clearing-central/bills/${encodeURIComponent(txid)}/resolve`, outcome ? { outcome } : {});
      io.out(billLine(b));
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

function billLine(b: BillView): string {
  const what = b.state === 'unknown' ? 'UNKNOWN at Clearing Central (neither paid nor failed): resolve it with `cc resolve`' : b.state;
  return `bill ${b.txid}: ${b.seller} bills ${b.buyerNid}/${b.buyerId} ${b.amount}: ${what}${b.code === null ? '' : ` (code ${b.code})`} — ${b.message}`;
}
