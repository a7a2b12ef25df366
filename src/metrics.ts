// Prometheus metrics of one daemon, in its own registry (no global state).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly sharedFiles = new Gauge({
    name: 'p2pd_shared_files',
    help: 'Distinct files (by content) in the shared folder',
    registers: [this.registry],
  });
  readonly sharedBytes = new Gauge({
    name: 'p2pd_shared_bytes',
    help: 'Bytes of distinct shared content',
    registers: [this.registry],
  });
  readonly hashedBytes = new Counter({
    name: 'p2pd_hashed_bytes_total',
    help: 'Bytes read and hashed by the indexer',
    registers: [this.registry],
  });
  readonly hashSeconds = new Counter({
    name: 'p2pd_hash_seconds_total',
    help: 'Wall time spent hashing files',
    registers: [this.registry],
  });
  readonly hashThroughput = new Gauge({
    name: 'p2pd_hash_throughput_bytes_per_second',
    help: 'Hashing throughput of the last scan that hashed anything',
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'p2pd_http_requests_total',
    help: 'REST requests by route, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly grpcRequests = new Counter({
    name: 'p2pd_grpc_requests_total',
    help: 'gRPC calls served by method and status code',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
  });
  readonly natsPublished = new Counter({
    name: 'p2pd_nats_events_published_total',
    help: 'Event publishes sent to NATS (a retry counts again)',
    registers: [this.registry],
  });
  readonly natsAcknowledged = new Counter({
    name: 'p2pd_nats_events_acknowledged_total',
    help: 'Events confirmed delivered: JetStream ack, or flush without JetStream',
    registers: [this.registry],
  });
  readonly natsDuplicates = new Counter({
    name: 'p2pd_nats_events_duplicate_total',
    help: 'Retried publishes JetStream recognised as already stored (not stored twice)',
    registers: [this.registry],
  });
  readonly natsQueued = new Gauge({
    name: 'p2pd_nats_events_queued',
    help: 'Events in the outbox waiting for NATS',
    registers: [this.registry],
  });
  readonly natsDropped = new Counter({
    name: 'p2pd_nats_events_dropped_total',
    help: 'download.progress events dropped because the outbox was full',
    registers: [this.registry],
  });
  readonly natsState = new Gauge({
    name: 'p2pd_nats_connection_state',
    help: '1 for the current NATS connection state, 0 for the others',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'p2pd_' });
  }
}
