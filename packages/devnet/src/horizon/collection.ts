/**
 * A history or offer collection served both as a Horizon page (with _links self,
 * next, prev) and, when the client asks for text/event-stream, as an SSE stream.
 */
import { Ctx, Reply } from './context';
import { ParsedPage, pageParams } from './params';
import { Source } from './source';
import { openStream } from './sse';

export function serveCollection<T>(ctx: Ctx, src: Source<T>, opts: { streamable?: boolean } = {}): Reply {
  if (ctx.streaming && opts.streamable !== false) {
    const lastEventId = ctx.req.headers['last-event-id'];
    const q = pageParams(ctx.url, typeof lastEventId === 'string' ? lastEventId : undefined);
    openStream(ctx, src, q);
    return 'streamed';
  }
  const q = pageParams(ctx.url);
  const records = src.page(q);
  return { body: pageBody(ctx, q, records.map((r) => src.render(r)), records.map((r) => src.token(r))) };
}

export function pageBody(ctx: Ctx, q: ParsedPage, records: unknown[], tokens: string[]): Record<string, unknown> {
  const href = (cursor: string | undefined, order: string): { href: string } => {
    const u = new URL(ctx.url.pathname, ctx.base);
    for (const [k, v] of ctx.url.searchParams) if (k !== 'cursor' && k !== 'limit' && k !== 'order') u.searchParams.append(k, v);
    u.searchParams.set('cursor', cursor ?? '');
    u.searchParams.set('limit', String(q.limit));
    u.searchParams.set('order', order);
    return { href: u.toString() };
  };
  const reverse = q.order === 'asc' ? 'desc' : 'asc';
  const first = tokens[0] ?? q.rawCursor;
  const last = tokens[tokens.length - 1] ?? q.rawCursor;
  return {
    _links: {
      self: href(q.rawCursor, q.order),
      next: href(last, q.order),
      prev: href(first, reverse),
    },
    _embedded: { records },
  };
}
