/**
 * Server-sent events as Horizon sends them: `retry: 1000`, an `open` event carrying
 * "hello", then one `id: <paging_token>` / `data: <json>` event per record, from the
 * cursor (or Last-Event-ID, which EventSource sends when it reconnects) onwards, and
 * new records as ledgers close. The SDK's `.stream()` resumes from the last id it saw.
 */
import { ClosedLedger } from '../history/records';
import { Key, parseCursor } from '../history/store';
import { Ctx } from './context';
import { ParsedPage } from './params';
import { Source } from './source';

const BATCH = 200;
/** A client this far behind is dropped rather than buffered without bound; it reconnects with its cursor. */
const MAX_BUFFERED = 16 << 20;

export function openStream<T>(ctx: Ctx, src: Source<T>, q: ParsedPage): void {
  const { req, res, backend } = ctx;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'Access-Control-Allow-Origin': '*',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 1000\nevent: open\ndata: "hello"\n\n');
  // 'now' is pinned once, so records of ledgers closing while we stream are not skipped.
  let cursor: Key | undefined = q.cursor === 'now' ? src.now?.() : q.cursor;
  let closed = false;
  let scheduled = false;

  const drain = (): void => {
    scheduled = false;
    if (closed) return;
    try {
      pump();
    } catch (err) {
      // A rendering bug must end this stream, not the process.
      process.stderr.write(`horizon: stream ${ctx.url.pathname}: ${err instanceof Error ? err.stack : String(err)}\n`);
      cleanup();
      res.destroy();
    }
  };

  const pump = (): void => {
    for (;;) {
      const batch = src.page({ cursor, order: 'asc', limit: BATCH });
      if (batch.length === 0) return;
      const chunks: string[] = [];
      for (const r of batch) chunks.push(`id: ${src.token(r)}\ndata: ${JSON.stringify(src.render(r))}\n\n`);
      res.write(chunks.join(''));
      const next = parseCursor(src.token(batch[batch.length - 1]));
      if (next && next !== 'now') cursor = next;
      if (res.writableLength > MAX_BUFFERED) {
        res.destroy();
        return;
      }
      if (batch.length < BATCH) return;
    }
  };

  // Coalesced to the next turn: the engine may emit 'ledger' before it finishes indexing.
  const onLedger = (_closed: ClosedLedger): void => {
    if (scheduled || closed) return;
    scheduled = true;
    setImmediate(drain);
  };
  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    backend.off('ledger', onLedger);
  };
  backend.on('ledger', onLedger);
  req.on('close', cleanup);
  res.on('close', cleanup);
  res.on('error', cleanup);
  drain();
}
