// Events per second the NATS publisher sustains against a local nats-server,
// counting an event only once it is confirmed (JetStream ack, or flush).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EventBus } from '../src/events/bus.js';
import { NatsPublisher } from '../src/events/nats-publisher.js';
import { Metrics } from '../src/metrics.js';
import { NatsServer } from '../test/fixtures/nats-server.js';
import { envInt, type Bench, type BenchRow } from './table.js';

interface Case {
  mode: 'on' | 'off';
  /** Emit everything at once, or one event at a time waiting for its ack. */
  burst: boolean;
}

async function measure(
  server: NatsServer,
  dir: string,
  c: Case,
  events: number,
): Promise<BenchRow> {
  const inFlight = envInt('BENCH_NATS_INFLIGHT', 256);
  const bus = new EventBus({ peerId: 'bench' });
  const metrics = new Metrics();
  const publisher = new NatsPublisher(
    { events: bus, metrics, logger: pino({ level: 'silent' }) },
    {
      peerId: 'bench',
      servers: [server.url],
      name: 'bench',
      reconnectWaitMs: 100,
      jetstream: c.mode,
      stream: {
        name: 'P2P_EVENTS',
        subjects: ['p2p.>'],
        maxAgeMs: 0,
        maxBytes: 0,
        maxMsgs: 0,
        duplicateWindowMs: 120_000,
        replicas: 1,
      },
      outboxFile: join(dir, `outbox-${c.mode}-${c.burst}.jsonl`),
      outboxMaxEvents: events * 2,
      outboxMaxBytes: 1024 * 1024 * 1024,
      ackTimeoutMs: 10_000,
      drainTimeoutMs: 10_000,
      maxInFlight: inFlight,
    },
  );
  await publisher.start();
  const emit = (i: number): void => {
    bus.emit('download.progress', {
      transferId: 't1',
      sha256: 'a'.repeat(64),
      bytesDone: i,
      size: events,
      rateBps: 0,
    });
  };
  // Warm up: connection, stream, JIT.
  for (let i = 0; i < 100; i++) emit(i);
  if (!(await publisher.whenFlushed(30_000))) throw new Error('warm-up not delivered');
  const started = performance.now();
  if (c.burst) {
    for (let i = 0; i < events; i++) emit(i);
    if (!(await publisher.whenFlushed(300_000))) throw new Error('not delivered in time');
  } else {
    for (let i = 0; i < events; i++) {
      emit(i);
      await publisher.whenFlushed(30_000);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await publisher.stop();
  return {
    publish: c.mode === 'on' ? 'JetStream, acked' : 'core, flushed',
    pattern: c.burst ? `burst (${inFlight} in flight)` : 'one at a time',
    events,
    seconds,
    'events/s': Math.round(events / seconds),
  };
}

export const natsBench: Bench = {
  name: 'nats',
  describe:
    'NATS publisher throughput to a local nats-server (BENCH_NATS_EVENTS, default 20000; BENCH_NATS_INFLIGHT, default 256)',
  async run(): Promise<BenchRow[]> {
    const events = envInt('BENCH_NATS_EVENTS', 20_000);
    const dir = await mkdtemp(join(tmpdir(), 'p2pd-bench-nats-'));
    const server = await NatsServer.start();
    try {
      const rows: BenchRow[] = [];
      for (const c of [
        { mode: 'on', burst: true },
        { mode: 'on', burst: false },
        { mode: 'off', burst: true },
      ] as Case[]) {
        rows.push(await measure(server, dir, c, c.burst ? events : Math.ceil(events / 10)));
      }
      return rows;
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
