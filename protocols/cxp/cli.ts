/**
 * `intertrade exchange …`: the governing body's CXP commands, clients of the operations
 * in governance.ts (the hub runs them; the CLI only calls its API).
 */
import { CliCommands, Usage, command, parse, table } from '../../src/governance';

interface ExchangeView { code: string; name: string; site: string; status: string; ticks: string; authentication: string; creditLimit: string; maxBalance: string }
interface ExchangeAnswer { exchange: ExchangeView; hawk?: { id: string; key: string }; legacyKey?: string }

export const cxpCli: CliCommands = {
  usage: `  exchange approve --code CODE --name NAME --uri URL --credit-limit A --max-balance B
                   [--ticks T] [--ratio PERCENT] [--legacy-ip IP,IP]   (CXP; limits in HOUR)
  exchange list | show CODE | block CODE | unblock CODE | rotate-key CODE
  exchange set-ticks CODE TICKS | legacy CODE on|off [--ip IP,IP]`,
  commands: [
    command('exchange approve', async ({ args, api, io }) => {
      const { values } = parse(args, { code: { type: 'string' }, name: { type: 'string' }, uri: { type: 'string' }, ticks: { type: 'string' }, 'credit-limit': { type: 'string' }, 'max-balance': { type: 'string' }, ratio: { type: 'string' }, 'legacy-ip': { type: 'string' } }, []);
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
    }),
    command('exchange list', async ({ args, api, io }) => {
      parse(args, {}, []);
      const { exchanges } = await api<{ exchanges: ExchangeView[] }>('GET', '/exchanges');
      if (exchanges.length === 0) io.out('no exchanges yet');
      else for (const line of table([['CODE', 'STATUS', 'AUTH', 'TICKS', 'SITE', 'NAME'], ...exchanges.map((e) => [e.code, e.status, e.authentication === 'legacy' ? 'legacy (weaker)' : 'hawk', e.ticks, e.site, e.name])])) io.out(line);
      return 0;
    }),
    command('exchange show', async ({ args, api, io }) => {
      const { args: [code] } = parse(args, {}, ['CODE']);
      const e = await api<ExchangeView & Record<string, unknown>>('GET', `/exchanges/${encodeURIComponent(code)}`);
      for (const [k, v] of Object.entries(e)) io.out(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      return 0;
    }),
    ...['exchange block', 'exchange unblock'].map((name) => command(name, async ({ args, sub, api, io }) => {
      const { args: [code] } = parse(args, {}, ['CODE']);
      const e = await api<ExchangeView>('PUT', `/exchanges/${encodeURIComponent(code)}/status`, { status: sub === 'block' ? 'blocked' : 'active' });
      io.out(`exchange ${e.code} is ${e.status}`);
      return 0;
    })),
    command('exchange rotate-key', async ({ args, api, io }) => {
      const { args: [code] } = parse(args, {}, ['CODE']);
      const r = await api<ExchangeAnswer>('POST', `/exchanges/${encodeURIComponent(code)}/key`);
      io.out(`new Hawk key for ${r.exchange.code} (id ${r.hawk?.id}): ${r.hawk?.key}   (shown once; the old key no longer works)`);
      return 0;
    }),
    command('exchange set-ticks', async ({ args, api, io }) => {
      const { args: [code, ticks] } = parse(args, {}, ['CODE', 'TICKS']);
      const e = await api<ExchangeView>('PUT', `/exchanges/${encodeURIComponent(code)}/ticks`, { ticks });
      io.out(`exchange ${e.code}: ticks ${e.ticks}`);
      return 0;
    }),
    command('exchange legacy', async ({ args, api, io }) => {
      const { values, args: [code, onOff] } = parse(args, { ip: { type: 'string' } }, ['CODE', 'on|off']);
      if (onOff !== 'on' && onOff !== 'off') throw new Usage('exchange legacy CODE on|off');
      const r = await api<ExchangeAnswer>('PUT', `/exchanges/${encodeURIComponent(code)}/legacy`, { enabled: onOff === 'on', ...(values.ip ? { ips: values.ip.split(',') } : {}) });
      io.out(`exchange ${r.exchange.code}: ${r.exchange.authentication === 'legacy' ? 'legacy mode (weaker authentication)' : 'Hawk only'}`);
      if (r.legacyKey) io.out(`  legacy key: ${r.legacyKey}   (shown once)`);
      return 0;
    }),
  ],
};
