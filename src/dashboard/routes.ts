/**
 * GET /dashboard: the governing bodies' and operators' web page (docs/dashboard.md). It
 * is static: the page signs in with a governance token and reads and acts through the
 * same public governance API a script would use (/governance/v1), plus /readyz and
 * /metrics for health. Served with a strict Content-Security-Policy: scripts, styles and
 * requests from this origin only, nothing inline, no frames.
 */
import Router from '@koa/router';
import { AppContext, HttpState } from '../http/server';
import { Assets, dashboardAssets } from './assets';

export const DASHBOARD_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'",
  "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

export function dashboardRouter(load: () => Promise<Assets> = dashboardAssets()): Router<HttpState> {
  const router = new Router<HttpState>();
  const serve = (name: keyof Assets) => async (ctx: AppContext) => {
    const a = (await load())[name];
    ctx.set('Content-Security-Policy', DASHBOARD_CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', name === 'index.html' ? 'no-cache' : 'public, max-age=300');
    ctx.type = a.type;
    ctx.body = a.body;
  };
  router.get('/dashboard', serve('index.html'));
  router.get('/dashboard/', serve('index.html'));
  router.get('/dashboard/app.js', serve('app.js'));
  router.get('/dashboard/app.css', serve('app.css'));
  return router;
}
