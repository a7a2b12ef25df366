// Prometheus metrics of one daemon (no global state). Components count into
// plain values here; prom-client, with Node's default process metrics, is
// loaded by the first scrape: ~1.5 MiB of heap a daemon nobody scrapes need
// not hold. Process metrics that observe over time (GC, event-loop lag) start
// with that first scrape.
import type { Registry } from 'prom-client';

type LabelValues<N extends string> = Partial<Record<N, string | number>>;

/** One metric's values, by label set. */
abstract class Series<N extends string> {
  readonly values = new Map<string, { labels: LabelValues<N>; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly N[] = [],
  ) {}

  protected update(labels: LabelValues<N>, change: (value: number) => number): void {
    const key = this.labelNames.map((n) => String(labels[n] ?? '')).join('\u0000');
    const current = this.values.get(key);
    if (current) current.value = change(current.value);
    else this.values.set(key, { labels, value: change(0) });
  }
}

export class Counter<N extends string = never> extends Series<N> {
  /** Adds `value` (default 1), optionally for a label set: prom-client's signature. */
  inc(labels?: LabelValues<N> | number, value?: number): void {
    const by = typeof labels === 'number' ? labels : (value ?? 1);
    this.update(typeof labels === 'object' ? labels : {}, (v) => v + by);
  }
}

export class Gauge<N extends string = never> extends Series<N> {
  set(labels: LabelValues<N> | number, value?: number): void {
    const to = typeof labels === 'number' ? labels : value!;
    this.update(typeof labels === 'object' ? labels : {}, () => to);
  }
}

/** prom-client's text exposition content type. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class Metrics {
  readonly sharedFiles = new Gauge(
    'p2pd_shared_files',
    'Distinct files (by content) in the shared folder',
  );
  readonly sharedBytes = new Gauge('p2pd_shared_bytes', 'Bytes of distinct shared content');
  readonly hashedBytes = new Counter(
    'p2pd_hashed_bytes_total',
    'Bytes read and hashed by the indexer',
  );
  readonly hashSeconds = new Counter('p2pd_hash_seconds_total', 'Wall time spent hashing files');
  readonly hashThroughput = new Gauge(
    'p2pd_hash_throughput_bytes_per_second',
    'Hashing throughput of the last scan that hashed anything',
  );
  readonly staleFilesReclaimed = new Counter(
    'p2pd_stale_files_reclaimed_total',
    'Temp and staging files a crashed run left behind, removed',
  );
  readonly staleBytesReclaimed = new Counter(
    'p2pd_stale_bytes_reclaimed_total',
    'Bytes of the temp and staging files a crashed run left behind, removed',
  );
  readonly httpRequests = new Counter(
    'p2pd_http_requests_total',
    'REST requests by route, method and status',
    ['method', 'route', 'status'] as const,
  );
  readonly grpcRequests = new Counter(
    'p2pd_grpc_requests_total',
    'gRPC calls served by method and status code',
    ['method', 'code'] as const,
  );
  readonly connectionsClosed = new Counter(
    'p2pd_connections_closed_total',
    'Connections closed by the connection guard: evicted for a newcomer, refused (every slot busy) or silent (sent nothing)',
    ['listener', 'reason'] as const,
  );
  readonly natsPublished = new Counter(
    'p2pd_nats_events_published_total',
    'Event publishes sent to NATS (a retry counts again)',
  );
  readonly natsAcknowledged = new Counter(
    'p2pd_nats_events_acknowledged_total',
    'Events confirmed delivered: JetStream ack, or flush without JetStream',
  );
  readonly natsDuplicates = new Counter(
    'p2pd_nats_events_duplicate_total',
    'Retried publishes JetStream recognised as already stored (not stored twice)',
  );
  readonly natsQueued = new Gauge(
    'p2pd_nats_events_queued',
    'Events in the outbox waiting for NATS',
  );
  readonly natsDropped = new Counter(
    'p2pd_nats_events_dropped_total',
    'Undelivered events dropped because the outbox was full, by type (least valuable first)',
    ['type'] as const,
  );
  readonly natsOutboxBytes = new Gauge(
    'p2pd_nats_outbox_bytes',
    'Size of the NATS outbox file (bounded by nats.outbox.maxBytes)',
  );
  readonly logLinesDropped = new Counter(
    'p2pd_log_lines_dropped_total',
    'Log lines lost because the log file could not be written (e.g. a full disk)',
  );
  readonly logWritable = new Gauge(
    'p2pd_log_writable',
    '1 while the log file is being written, 0 while writes fail and lines are dropped',
  );
  readonly logRotations = new Counter(
    'p2pd_log_rotations_total',
    'Times the log file reached log.maxBytes and was rotated',
  );
  readonly logLinesCollapsed = new Counter(
    'p2pd_log_lines_collapsed_total',
    'Log lines not written because they repeated the line before ("last message repeated N times")',
  );
  readonly natsState = new Gauge(
    'p2pd_nats_connection_state',
    '1 for the current NATS connection state, 0 for the others',
    ['state'] as const,
  );

  readonly neighbors = new Gauge('p2pd_neighbors', 'Neighbors in the overlay, by state', [
    'state',
  ] as const);
  readonly transferBytes = new Counter(
    'p2pd_transfer_bytes_total',
    'File bytes sent (up) and received (down) over PeerService Download and Upload',
    ['direction'] as const,
  );
  readonly bandwidthLimit = new Gauge(
    'p2pd_bandwidth_limit_bytes_per_second',
    'Bandwidth limits in force: all peers together (scope global) and each remote peer (scope peer); 0 means unlimited',
    ['direction', 'scope'] as const,
  );
  readonly bandwidthThrottled = new Counter(
    'p2pd_bandwidth_throttled_seconds_total',
    'Time transfers waited for a bandwidth limit, summed over the streams that waited',
    ['direction'] as const,
  );
  readonly peerKeyConflicts = new Counter(
    'p2pd_peer_key_conflicts_total',
    'Calls refused because they claimed a peer id pinned to another key (impersonation, or a peer that made a new key)',
  );
  readonly peerBytes = new Gauge(
    'p2pd_peer_transfer_bytes',
    'File bytes sent to (up) and received from (down) each remote peer since start, by its ' +
      'address (the busiest 256 peers are kept; the totals are p2pd_transfer_bytes_total)',
    ['peer', 'direction'] as const,
  );
  readonly searches = new Counter(
    'p2pd_searches_total',
    'Network searches this peer started (sent) and answered for others (served)',
    ['role'] as const,
  );
  readonly transfers = new Gauge(
    'p2pd_transfers',
    'Transfers this daemon holds, by kind and state',
    ['kind', 'state'] as const,
  );
  readonly relayBytes = new Counter(
    'p2pd_relay_bytes_total',
    'Bytes this peer piped between two other peers as a relay (TLS ciphertext it cannot read)',
  );
  readonly relayStreams = new Gauge(
    'p2pd_relay_streams',
    'Connections this peer relays right now (relay.maxStreams at most)',
  );
  readonly relayRefused = new Counter(
    'p2pd_relay_refused_total',
    'Relay requests refused, by reason (disabled, full, unknown target, rate)',
    ['reason'] as const,
  );
  readonly reverseConnections = new Counter(
    'p2pd_reverse_connections_total',
    'Connections to unreachable peers, by how they were made: reverse (it dialed us) or relay',
    ['how', 'outcome'] as const,
  );
  readonly eventsPublished = new Counter(
    'p2pd_events_published_total',
    'Events emitted on the event bus (what NATS, SSE and WatchEvents subscribe to), by type',
    ['type'] as const,
  );

  /** What the /metrics route serves. */
  readonly registry = {
    contentType: CONTENT_TYPE,
    metrics: async (): Promise<string> => {
      for (const refresh of this.refreshers) refresh();
      return (await (this.prom ??= this.load())).metrics();
    },
  };

  private readonly refreshers: (() => void)[] = [];

  /** Runs `refresh` before each scrape: gauges read from a component's state, not counted. */
  onScrape(refresh: () => void): void {
    this.refreshers.push(refresh);
  }

  private prom: Promise<Registry> | undefined;

  private async load(): Promise<Registry> {
    const prom = await import('prom-client');
    const registry = new prom.Registry();
    for (const series of Object.values(this)) {
      if (!(series instanceof Series)) continue;
      const { name, help, labelNames, values } = series as Series<string>;
      const init = { name, help, labelNames, registers: [registry] };
      if (series instanceof Counter) {
        new prom.Counter({
          ...init,
          collect() {
            this.reset();
            for (const { labels, value } of values.values()) this.inc(labels, value);
          },
        });
      } else {
        new prom.Gauge({
          ...init,
          collect() {
            this.reset();
            for (const { labels, value } of values.values()) this.set(labels, value);
          },
        });
      }
    }
    prom.collectDefaultMetrics({ register: registry, prefix: 'p2pd_' });
    // Gauges named `_total`, which the exposition format keeps for counters
    // (promtool refuses them); `p2pd_nodejs_active_{handles,requests,resources}`
    // by type hold the same counts.
    for (const kind of ['handles', 'requests', 'resources']) {
      registry.removeSingleMetric(`p2pd_nodejs_active_${kind}_total`);
    }
    return registry;
  }
}
