// What p2pd does, as metrics: neighbors, transfers by state, bytes per peer,
// searches and events. Read from the components at scrape time or counted off the event
// bus, so no component needs to know about metrics to be counted.
import type { EventBus } from './events/bus.js';
import type { Metrics } from './metrics.js';
import type { Overlay } from './overlay/overlay.js';
import type { TransferManager } from './transfer/transfer-manager.js';

export interface DomainMetricsComponents {
  events: Pick<EventBus, 'subscribe'>;
  overlay: Pick<Overlay, 'neighbors'>;
  transfers: Pick<TransferManager, 'list' | 'traffic' | 'bandwidth'>;
  metrics: Metrics;
}

/** Starts counting; returns the unsubscribe function of the event counter. */
export function countDomainMetrics(c: DomainMetricsComponents): () => void {
  const { metrics } = c;
  metrics.onScrape(() => {
    // Cleared first so a state nobody is in any more reads 0, not its last count.
    metrics.neighbors.values.clear();
    for (const state of ['connected', 'suspect']) metrics.neighbors.set({ state }, 0);
    for (const n of c.overlay.neighbors()) {
      const current = metrics.neighbors.values.get(n.state)?.value ?? 0;
      metrics.neighbors.set({ state: n.state }, current + 1);
    }
    metrics.transfers.values.clear();
    const counts = new Map<string, { kind: string; state: string; n: number }>();
    for (const t of c.transfers.list()) {
      const key = `${t.kind}\u0000${t.state}`;
      const entry = counts.get(key) ?? { kind: t.kind, state: t.state, n: 0 };
      entry.n += 1;
      counts.set(key, entry);
    }
    for (const { kind, state, n } of counts.values()) metrics.transfers.set({ kind, state }, n);
    const limits = c.transfers.bandwidth.current();
    metrics.bandwidthLimit.set({ direction: 'up', scope: 'global' }, limits.upload);
    metrics.bandwidthLimit.set({ direction: 'down', scope: 'global' }, limits.download);
    metrics.bandwidthLimit.set({ direction: 'up', scope: 'peer' }, limits.perPeerUpload);
    metrics.bandwidthLimit.set({ direction: 'down', scope: 'peer' }, limits.perPeerDownload);
    metrics.peerBytes.values.clear();
    for (const p of c.transfers.traffic.totals().peers) {
      metrics.peerBytes.set({ peer: p.address, direction: 'up' }, p.upBytes);
      metrics.peerBytes.set({ peer: p.address, direction: 'down' }, p.downBytes);
    }
  });
  return c.events.subscribe((event) => {
    metrics.eventsPublished.inc({ type: event.type });
    if (event.type === 'search.completed') metrics.searches.inc({ role: 'sent' });
    else if (event.type === 'search.served') metrics.searches.inc({ role: 'served' });
  });
}
