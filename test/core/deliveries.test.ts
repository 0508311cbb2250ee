import assert from 'node:assert/strict';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Community } from '../../src/core/communities/model';
import { Delivery } from '../../src/core/deliveries/model';
import { DeliveryService, createDeliveryService } from '../../src/core/deliveries/service';
import { createLogger } from '../../src/logger';
import { TestStorage, openTestStorage } from '../helpers/storage';

/** A peer that acknowledges (200), refuses (409) or is down; it counts what it received. */
class Peer {
  received: string[] = [];
  mode: 'ack' | 'refuse' = 'ack';
  private server: http.Server | null = null;
  port = 0;

  async up(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        this.received.push(JSON.parse(body).id);
        res.statusCode = this.mode === 'ack' ? 200 : 409;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }
}

/** The protocol-client side: POST the payload; 2xx acknowledges, 409 refuses, else retry. */
function httpHandler(service: DeliveryService): void {
  service.register('test.notify', async (d) => {
    const res = await fetch(d.target, { method: 'POST', body: JSON.stringify(d.payload), signal: AbortSignal.timeout(2000) });
    if (res.ok) return { outcome: 'acknowledged' };
    if (res.status === 409) return { outcome: 'refused', reason: 'peer refused' };
    return { outcome: 'retry', error: `HTTP ${res.status}` };
  });
}

describe('durable deliveries (the outbox)', function () {
  this.timeout(60000);
  let s: TestStorage;
  let c: Community;
  const peer = new Peer();
  const fast = { baseDelayMs: 20, maxDelayMs: 100, pollMs: 20 };

  before(async () => {
    s = await openTestStorage();
    c = await s.register('DLV1');
    await peer.up();
    await peer.down(); // keep the port; the peer starts "down"
  });
  after(async () => {
    await peer.down();
    await s?.cleanup();
  });

  const enqueue = (svc: DeliveryService, id: string, transferId?: string) =>
    s.db.community(c.id, (trx) => svc.enqueue(trx, { communityId: c.id, transferId, kind: 'test.notify', target: `http://127.0.0.1:${peer.port}/`, payload: { id } }));
  const row = async (id: string) => s.db.community(c.id, async (trx) => Delivery.query(trx).whereRaw(`payload->>'id' = ?`, [id]).first());

  it('retries while the peer is down and delivers exactly once when it returns, also across a restart', async () => {
    const first = createDeliveryService({ db: s.db, logger: createLogger('silent') }, fast);
    httpHandler(first);
    await enqueue(first, 'd1');
    for (let i = 0; i < 5; i++) {
      await first.runDue();
      await new Promise((r) => setTimeout(r, 30));
    }
    const pending = await row('d1');
    assert.equal(pending?.state, 'pending');
    assert.ok(pending!.attempts >= 2, `attempts: ${pending!.attempts}`);
    assert.match(pending!.lastError ?? '', /fetch failed|ECONNREFUSED/);
    await first.stop();

    // A new process (same database) takes over; the peer is back.
    await peer.up();
    const second = createDeliveryService({ db: s.db, logger: createLogger('silent') }, fast);
    httpHandler(second);
    second.start();
    for (let i = 0; i < 100 && (await row('d1'))?.state !== 'delivered'; i++) await new Promise((r) => setTimeout(r, 20));
    await second.stop();
    assert.equal((await row('d1'))?.state, 'delivered');
    assert.deepEqual(peer.received.filter((x) => x === 'd1'), ['d1']);
  });

  it('records a refusal once, tells the refusal listeners, and never retries it', async () => {
    const svc = createDeliveryService({ db: s.db, logger: createLogger('silent') }, fast);
    httpHandler(svc);
    const refused: string[] = [];
    svc.onRefused(async (d) => { refused.push((d.payload as { id: string }).id); });
    peer.mode = 'refuse';
    await enqueue(svc, 'd2');
    await svc.runDue();
    await new Promise((r) => setTimeout(r, 150));
    await svc.runDue();
    peer.mode = 'ack';
    const r = await row('d2');
    assert.equal(r?.state, 'refused');
    assert.equal(r?.lastError, 'peer refused');
    assert.deepEqual(refused, ['d2']);
    assert.deepEqual(peer.received.filter((x) => x === 'd2'), ['d2']);
  });

  it('exists only if the transaction that enqueued it commits, and once per transfer and kind', async () => {
    const svc = createDeliveryService({ db: s.db, logger: createLogger('silent') }, fast);
    await assert.rejects(s.db.community(c.id, async (trx) => {
      await svc.enqueue(trx, { communityId: c.id, kind: 'test.notify', target: 'http://127.0.0.1:1/', payload: { id: 'd3' } });
      throw new Error('the state change failed');
    }));
    assert.equal(await row('d3'), undefined);
    const transferId = '00000000-0000-4000-8000-000000000001';
    await enqueue(svc, 'd4', transferId);
    await enqueue(svc, 'd4-again', transferId);
    assert.ok(await row('d4'));
    assert.equal(await row('d4-again'), undefined);
  });
});
