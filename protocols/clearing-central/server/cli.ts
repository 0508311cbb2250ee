/**
 * `intertrade cc server …`: the hub's own Clearing Central, governed from the command
 * line; clients of the operations in server/governance.ts.
 */
import { CliCommand, Usage, command, parse, table } from '../../../src/governance';

interface MemberView { code: string; nid: string; name: string; country: string; served: boolean; active: boolean; dataUrl: string | null; password?: string; tradeSurplusLimit: string | null; tradeDeficitLimit: string | null }

export const serverUsage = `  cc server register --code CODE --name NAME --country CC --conv-rate R --data-url URL --format post|get --ip IP[/BITS],… --surplus H --deficit H [--nid cenNNNN]
  cc server list-community CODE [--nid cenNNNN] | exchanges | password CODE | block CODE | unblock CODE | totals CODE   (the hub as a Clearing Central)`;

const subcommands: CliCommand[] = [
  command('cc server register', async ({ args, api, io }) => {
    const { values } = parse(args, {
      code: { type: 'string' }, name: { type: 'string' }, country: { type: 'string' }, 'conv-rate': { type: 'string' }, 'data-url': { type: 'string' },
      format: { type: 'string' }, ip: { type: 'string' }, surplus: { type: 'string' }, deficit: { type: 'string' }, nid: { type: 'string' },
    }, []);
    if (!values.code || !values.name || !values.country || !values['conv-rate'] || !values['data-url'] || !values.format || !values.ip || !values.surplus || !values.deficit) {
      throw new Usage('cc server register needs --code, --name, --country, --conv-rate, --data-url, --format, --ip, --surplus and --deficit');
    }
    const m = await api<MemberView>('POST', '/clearing-central/server/exchanges', {
      code: values.code, name: values.name, country: values.country, convRate: values['conv-rate'], dataUrl: values['data-url'], requestFormat: values.format,
      ips: String(values.ip).split(','), tradeSurplusLimit: values.surplus, tradeDeficitLimit: values.deficit, ...(values.nid ? { nid: values.nid } : {}),
    });
    io.out(`exchange ${m.code} registered as ${m.nid}; its password (shown only now): ${m.password}`);
    return 0;
  }),
  command('cc server list-community', async ({ args, api, io }) => {
    const { values, args: [code] } = parse(args, { nid: { type: 'string' } }, ['CODE']);
    const m = await api<MemberView>('POST', '/clearing-central/server/listings', { community: code, ...(values.nid ? { nid: values.nid } : {}) });
    io.out(`community ${m.code} listed as ${m.nid}: sellers bill its members by account code`);
    return 0;
  }),
  command('cc server exchanges', async ({ args, api, io }) => {
    parse(args, {}, []);
    const { members } = await api<{ members: MemberView[] }>('GET', '/clearing-central/server/exchanges');
    if (members.length === 0) io.out('no exchange is registered with this hub\'s Clearing Central');
    else for (const line of table([['NID', 'CODE', 'KIND', 'ACTIVE', 'SURPLUS', 'DEFICIT', 'NAME'], ...members.map((m) => [m.nid, m.code, m.served ? 'served' : 'hub', m.active ? 'yes' : 'no', m.tradeSurplusLimit ?? '', m.tradeDeficitLimit ?? '', m.name])])) io.out(line);
    return 0;
  }),
  command('cc server password', async ({ args, api, io }) => {
    const { args: [code] } = parse(args, {}, ['CODE']);
    const m = await api<MemberView>('POST', `/clearing-central/server/exchanges/${encodeURIComponent(code)}/password`);
    io.out(`exchange ${m.code} (${m.nid}): new password (shown only now): ${m.password}`);
    return 0;
  }),
  ...(['block', 'unblock'] as const).map((what) => command(`cc server ${what}`, async ({ args, api, io }) => {
    const { args: [code] } = parse(args, {}, ['CODE']);
    const m = await api<MemberView>('PUT', `/clearing-central/server/exchanges/${encodeURIComponent(code)}`, { active: what === 'unblock' });
    io.out(`exchange ${m.code} (${m.nid}) is ${m.active ? 'active' : 'blocked: its transactions are answered 4'}`);
    return 0;
  })),
  command('cc server totals', async ({ args, api, io }) => {
    const { args: [code] } = parse(args, {}, ['CODE']);
    const t = await api<Record<string, string | number | { balance: string; balanceHours: string }>>('GET', `/clearing-central/server/exchanges/${encodeURIComponent(code)}/totals`);
    const ledger = t.ledger as { balance: string; balanceHours: string };
    io.out(`${t.code} (${t.nid}): exports ${t.exports}, imports ${t.imports}; income ${t.income}, expenditure ${t.expenditure}, balance ${t.balance} (${t.balanceHours} h); ledger ${ledger.balance} (${ledger.balanceHours} h)`);
    return 0;
  }),
];

/** The CLI dispatches on two words (`cc server`); the third picks the subcommand. */
export const serverCommands: CliCommand[] = [
  command('cc server', async (ctx) => {
    const [sub = '', ...rest] = ctx.args;
    const c = subcommands.find((x) => x.name === `cc server ${sub}`);
    if (!c) throw new Usage(`unknown command "cc server ${sub}"`);
    return c.run({ ...ctx, args: rest, sub });
  }),
];
