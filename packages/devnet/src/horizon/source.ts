/**
 * A collection as the Horizon layer reads it, a page at a time: collection.ts serves
 * it as a page, sse.ts as a stream. Both depend on this, neither on the other.
 */
import { Key, PageQuery } from '../history/store';

export interface Source<T> {
  page(q: PageQuery): T[];
  token(t: T): string;
  render(t: T): Record<string, unknown>;
  /** Cursor for 'now' in a stream: the position just after the latest record. */
  now?(): Key;
}
