/**
 * The hub's Clearing Central, at the paths its clients call, under one base path
 * (CLEARING_CENTRAL_SERVER_PATH, /cc) the operator can point a host name at:
 *
 *   txinput.php       new transactions, and edits by a known txid (GET, form POST, POST with the query)
 *   txeditinput.php   edits and deletes (action upd|del)
 *   niddata.php       nid or xid → nid|xid|short name|country (`|||` when unknown), no authentication
 *   logon.php         a credential check as the Drupal 7 client makes it: wrong → a redirect to index.php
 *   directory.php     the active exchanges, as <option>s and a table
 *
 * Fields are read from the query string, then the form body (the body wins), into a
 * flat map, as the original does. Every answer of txinput/txeditinput is HTTP 200,
 * url-encoded `response=<code>…` — never the hub's JSON, never a 500.
 */
import Router from '@koa/router';
import { AppContext, HttpState } from '../../../src/http/server';
import { Code } from '../errors';
import { readForm, writeForm } from '../form';
import { rawBody } from '../routes';
import { htmlEscape } from './forward';
import { Registry, isServed } from './registry';
import { Fields, Reply, ServerService } from './service';

export function ccServerReply(ctx: AppContext, fields: Reply): void {
  ctx.status = 200;
  // What the original sends; clients read the body as a url-encoded map whatever the type.
  ctx.type = 'text/html';
  ctx.body = writeForm(fields);
}

export function serverRouter(deps: { prefix: string; server: ServerService; registry: Registry; bodyLimit: number }): Router<HttpState> {
  const { server, registry, bodyLimit } = deps;
  const router = new Router<HttpState>({ prefix: deps.prefix });

  const fields = async (ctx: AppContext): Promise<Fields> => {
    const f = readForm(ctx.querystring);
    for (const [k, v] of readForm(await rawBody(ctx, bodyLimit))) f.set(k, v);
    return f;
  };

  const txRoute = (name: string, handle: (f: Fields, ip: string) => Promise<{ reply: Reply; reason?: string }>) => async (ctx: AppContext) => {
    let txid = '';
    try {
      if (ctx.method !== 'GET' && ctx.method !== 'POST') return ccServerReply(ctx, [['response', String(Code.FaultyData)], ['txid', '']]);
      const f = await fields(ctx);
      txid = (f.get('txid') ?? '').slice(0, 64);
      const { reply, reason } = await handle(f, ctx.ip);
      if (reason) ctx.state.log.info({ txid, reply: reply.find(([k]) => k === 'response')?.[1], reason }, `clearing central ${name} refused`);
      ccServerReply(ctx, reply);
    } catch (err) {
      // A body over the limit is the seller's faulty data; anything else is ours (9), never a 500.
      const code = (err as { code?: number }).code === Code.FaultyData ? Code.FaultyData : Code.ServerError;
      if (code === Code.ServerError) ctx.state.log.error({ err, txid }, `clearing central ${name} failed`);
      ccServerReply(ctx, [['response', String(code)], ['txid', txid]]);
    }
  };

  router.all('/txinput.php', txRoute('txinput', (f, ip) => server.txinput(f, ip)));
  router.all('/txeditinput.php', txRoute('txeditinput', (f, ip) => server.txedit(f, ip)));

  router.all('/niddata.php', async (ctx) => {
    const f = await fields(ctx).catch(() => new Map<string, string>());
    const nid = (f.get('nid') ?? '').trim().toLowerCase();
    const xid = (f.get('xid') ?? '').trim();
    const m = nid !== '' ? await registry.byNid(nid) : await registry.byXid(xid);
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = m && m.active ? [m.nid, m.xid, m.name, m.country].map((s) => s.replace(/\|/g, ' ')).join('|') : '|||';
  });

  router.all('/logon.php', async (ctx) => {
    const f = await fields(ctx).catch(() => new Map<string, string>());
    const m = await server.logon((f.get('nid') ?? '').trim().toLowerCase(), f.get('password') ?? '');
    // The Drupal 7 client follows the redirect and reads "index.php" in the URL as wrong credentials.
    ctx.redirect(`${deps.prefix}/${m ? 'directory.php' : 'index.php?error=logon'}`);
  });

  router.get('/index.php', (ctx) => {
    ctx.type = 'text/html';
    ctx.body = '<!doctype html><title>Clearing Central</title><p>Clearing Central of this hub. Exchanges: <a href="directory.php">directory</a>.</p>';
  });

  router.get('/directory.php', async (ctx) => {
    const active = (await registry.list()).filter((m) => m.active);
    const options = active.map((m) => `<option value="${htmlEscape(m.nid)}">${htmlEscape(m.name)}</option>`).join('\n');
    const rows = active.map((m) => `<tr><td>${htmlEscape(m.nid)}</td><td>${htmlEscape(m.name)}</td><td>${htmlEscape(m.country)}</td><td>${htmlEscape(m.system || (isServed(m) ? 'CES' : 'hub'))}</td><td>${htmlEscape(m.convRate)}</td></tr>`).join('\n');
    ctx.type = 'text/html';
    ctx.body = `<!doctype html><title>Clearing Central: exchanges</title>\n<select name="nid">\n${options}\n</select>\n<table>\n<tr><th>NID</th><th>Exchange</th><th>Country</th><th>System</th><th>Units per hour</th></tr>\n${rows}\n</table>\n`;
  });

  return router;
}
