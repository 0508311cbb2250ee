import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per hub instance, so two hubs in one test process do not collide. */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  /** A reconciliation's outcome: its drift, or that it failed (recorded where it is run, not by the reconciler). */
  reconciled(outcome: { drift: Array<{ kind: string; repaired: boolean }> } | { failed: true }): void;
}

/** The hub's state as /metrics shows it, read when scraped. */
export interface HubSources {
  /** Transfers by protocol and state, and the outbox by kind (one grouped query: src/core/figures.ts). */
  figures(): Promise<{
    transfers: Array<{ protocol: string; state: string; count: number }>;
    outbox: Array<{ kind: string; pending: number; oldestSeconds: number }>;
  }>;
  /** Lost database connections: transactions run again, and given up (answered 503). */
  database(): { retried: number; failed: number };
  /** The Stellar submission engine: jobs waiting for a channel, and not answered yet. */
  ledger(): { backlog: number; jobs: number; oldestMs: number };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'intertrade_' });
  const registers = [registry];
  const runs = new Counter({ name: 'intertrade_reconcile_runs_total', help: 'Reconciliations with the ledger, by outcome (ok, failed)', labelNames: ['outcome'], registers });
  const lastRun = new Gauge({ name: 'intertrade_reconcile_last_run_timestamp_seconds', help: 'When the last reconciliation that completed ended (unix time)', registers });
  const lastDrift = new Gauge({
    name: 'intertrade_reconcile_last_drift',
    help: 'Drift the last completed reconciliation found, by kind ("any": all kinds) and whether it was repaired (repaired="false": for a person)',
    labelNames: ['kind', 'repaired'], registers,
  });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'intertrade_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    httpRequests: new Counter({
      name: 'intertrade_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    reconciled(outcome) {
      if ('failed' in outcome) {
        runs.inc({ outcome: 'failed' });
        return;
      }
      runs.inc({ outcome: 'ok' });
      lastRun.set(Date.now() / 1000);
      // Only the last run's drift: a kind that went away is gone; "any" is always there (0 when in step).
      lastDrift.reset();
      lastDrift.set({ kind: 'any', repaired: 'false' }, outcome.drift.filter((d) => !d.repaired).length);
      lastDrift.set({ kind: 'any', repaired: 'true' }, outcome.drift.filter((d) => d.repaired).length);
      for (const d of outcome.drift) lastDrift.inc({ kind: d.kind, repaired: String(d.repaired) });
    },
  };
}

/** How long one reading of the figures serves the scrapes that follow (several gauges, one query). */
const FIGURES_TTL_MS = 1000;

/**
 * The hub's own gauges, read from `sources` when /metrics is scraped: transfers by
 * state and protocol, the outbox's depth and the age of its oldest delivery, lost
 * database connections, Stellar submissions waiting. A database that cannot be read
 * leaves the figures as last read and sets intertrade_figures_up to 0: a scrape never fails.
 */
export function observeHub(metrics: Metrics, sources: HubSources): void {
  const registers = [metrics.registry];
  type Figures = Awaited<ReturnType<HubSources['figures']>>;
  let read: { at: number; figures: Promise<Figures | null> } | null = null;
  let up = 1;
  const figures = () => {
    if (!read || Date.now() - read.at > FIGURES_TTL_MS) {
      read = { at: Date.now(), figures: sources.figures().then((f) => { up = 1; return f; }, () => { up = 0; return null; }) };
    }
    return read.figures;
  };
  new Gauge({
    name: 'intertrade_transfers', help: 'Transfers by the protocol that asked for them (first part of the idempotency key) and state',
    labelNames: ['protocol', 'state'], registers,
    async collect() {
      const f = await figures();
      if (!f) return;
      this.reset();
      for (const t of f.transfers) this.set({ protocol: t.protocol, state: t.state }, t.count);
    },
  });
  new Gauge({
    name: 'intertrade_outbox_pending', help: 'Deliveries due to the other side and not acknowledged yet, by kind', labelNames: ['kind'], registers,
    async collect() {
      const f = await figures();
      if (!f) return;
      this.reset();
      for (const o of f.outbox) this.set({ kind: o.kind }, o.pending);
    },
  });
  new Gauge({
    name: 'intertrade_outbox_oldest_pending_seconds', help: 'Age of the oldest delivery not acknowledged yet, by kind (since its transfer was made)', labelNames: ['kind'], registers,
    async collect() {
      const f = await figures();
      if (!f) return;
      this.reset();
      for (const o of f.outbox) this.set({ kind: o.kind }, Math.round(o.oldestSeconds * 1000) / 1000);
    },
  });
  new Gauge({
    name: 'intertrade_figures_up', help: '1 when the transfer and outbox figures were read at this scrape, 0 when the database could not be read (they show the last reading)', registers,
    async collect() {
      await figures();
      this.set(up);
    },
  });
  // Counted by the database layer; read here as counters (they only grow while the hub runs).
  const counted = (c: Counter, n: number) => {
    c.reset();
    if (n > 0) c.inc(n);
  };
  new Counter({
    name: 'intertrade_db_retried_transactions_total', help: 'Transactions run again because their database connection was lost', registers,
    collect() { counted(this, sources.database().retried); },
  });
  new Counter({
    name: 'intertrade_db_unavailable_transactions_total', help: 'Transactions given up (answered 503) because the database could not be reached', registers,
    collect() { counted(this, sources.database().failed); },
  });
  new Gauge({
    name: 'intertrade_ledger_backlog', help: 'Stellar submissions waiting for a channel account', registers,
    collect() { this.set(sources.ledger().backlog); },
  });
  new Gauge({
    name: 'intertrade_ledger_unanswered', help: 'Stellar submissions (payments, upkeep) the network has not answered yet', registers,
    collect() { this.set(sources.ledger().jobs); },
  });
  new Gauge({
    name: 'intertrade_ledger_oldest_unanswered_seconds', help: 'How long the oldest Stellar submission not answered yet has waited', registers,
    collect() { this.set(sources.ledger().oldestMs / 1000); },
  });
}
