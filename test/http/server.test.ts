import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Router from '@koa/router';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/http/metrics';
import { HttpState, createHttpApp, listen } from '../../src/http/server';
import { healthRouter } from '../../src/http/health';
import { ErrorBody } from '../../src/http/errors';

const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

describe('HTTP server', () => {
  let base: string;
  let stop: () => Promise<void>;
  let logs = '';
  let release: () => void = () => {};
  let dbUp = true;

  before(async () => {
    const sink = new Writable({ write(c, _e, cb) { logs += c; cb(); } });
    const metrics = createMetrics();
    const test = new Router<HttpState>();
    test.post('/echo', (ctx) => {
      ctx.body = { got: ctx.request.body };
    });
    test.get('/boom', () => {
      throw new Error('database password is hunter2 at /srv/app/secret.ts:12');
    });
    test.get('/slow', async (ctx) => {
      await new Promise<void>((r) => { release = r; });
      ctx.body = { done: true };
    });
    const app = createHttpApp({
      logger: createLogger('info', sink),
      metrics,
      bodyLimit: 1024,
      routers: [
        healthRouter({ metrics, checks: { database: async () => { if (!dbUp) throw new Error('connection refused'); } } }),
        test,
      ],
    });
    const s = await listen(app, 0, '127.0.0.1', 5000);
    base = `http://127.0.0.1:${s.port}`;
    stop = s.stop;
  });

  after(async () => {
    release();
    await stop();
  });

  it('answers /healthz with 200 and a request id, echoing a given one', async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const given = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'abc-123' } });
    assert.equal(given.headers.get('x-request-id'), 'abc-123');
    assert.match(logs, /"requestId":"abc-123".*"path":"\/healthz","status":200/);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await fetch(`${base}/nowhere`);
    assert.equal(res.status, 404);
    const error = await errorOf(res);
    assert.equal(error.code, 'not_found');
    assert.match(error.message, /GET \/nowhere/);
  });

  it('refuses bodies over the limit with 413 and malformed JSON with 400', async () => {
    const big = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(2000) }) });
    assert.equal(big.status, 413);
    assert.equal((await errorOf(big)).code, 'payload_too_large');
    const bad = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":' });
    assert.equal(bad.status, 400);
    assert.equal((await errorOf(bad)).code, 'malformed_body');
    const ok = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/vnd.api+json' }, body: '{"x":1}' });
    assert.deepEqual(await ok.json(), { got: { x: 1 } });
  });

  it('hides internal errors from clients (no message, no stack) and logs them with the request id', async () => {
    const res = await fetch(`${base}/boom`);
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.ok(!text.includes('hunter2') && !text.includes('secret.ts'), text);
    const body = JSON.parse(text) as ErrorBody;
    assert.equal(body.error.code, 'internal_error');
    assert.equal(body.error.requestId, res.headers.get('x-request-id'));
    assert.match(logs, /"level":50.*request failed/);
  });

  it('reports readiness per dependency and names the one that is down', async () => {
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    dbUp = false;
    const res = await fetch(`${base}/readyz`);
    dbUp = true;
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: 'not_ready', checks: { database: { ok: false, error: 'connection refused' } } });
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /intertrade_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    assert.match(text, /intertrade_process_resident_memory_bytes/);
  });
});

describe('HTTP shutdown', () => {
  it('drains in-flight requests, refuses new connections, then resolves', async () => {
    let release: () => void = () => {};
    const router = new Router<HttpState>();
    router.get('/slow', async (ctx) => {
      await new Promise<void>((r) => { release = r; });
      ctx.body = { done: true };
    });
    const app = createHttpApp({ logger: createLogger('silent'), metrics: createMetrics(), bodyLimit: 1024, routers: [router] });
    const s = await listen(app, 0, '127.0.0.1', 5000);
    const url = `http://127.0.0.1:${s.port}`;
    const inflight = fetch(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 100));
    let stopped = false;
    const stopping = s.stop().then(() => { stopped = true; });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(stopped, false, 'waits for the request in flight');
    await assert.rejects(fetch(`${url}/slow`), 'new connections are refused');
    release();
    const res = await inflight;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { done: true });
    await stopping;
    assert.equal(stopped, true);
  });
});
