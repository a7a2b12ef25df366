// Several peers publishing into one JetStream stream, as the sample configs do: the
// stream drops a message whose id it has seen, so ids must be unique across peers.
import { expect } from 'chai';
import type { NatsConnection } from 'nats';
import type { EventEnvelope } from '../../src/events/types.js';
import { connectClient, readStream } from '../fixtures/nats-client.js';
import { NatsServer } from '../fixtures/nats-server.js';
import { http } from '../fixtures/http.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { servedData } from '../fixtures/events.js';

const STREAM = 'P2P_EVENTS';
const FILES_PER_PEER = 60;
const BURSTS = 5;
const BURST_SIZE = 120;

describe('NATS: peers sharing one stream', function () {
  this.timeout(90_000);
  let server: NatsServer | undefined;
  let peers: TestPeer[] = [];
  let nc: NatsConnection | undefined;

  afterEach(async () => {
    await nc?.close().catch(() => undefined);
    for (const p of peers) await p.stop();
    await server?.stop();
    nc = undefined;
    peers = [];
    server = undefined;
  });

  it('stores every event of concurrent bursts on three peers exactly once', async () => {
    server = await NatsServer.start();
    const url = server.url;
    peers = await Promise.all(
      ['sh1', 'sh2', 'sh3'].map((id) =>
        startPeer({ id, config: { nats: { url, reconnectWaitMs: 100, ackTimeoutMs: 1500 } } }),
      ),
    );
    for (const p of peers) {
      await waitFor(() => p.daemon.status().natsState === 'connected', { what: 'connected' });
    }

    // Real events: every peer takes FILES_PER_PEER uploads at once, all three together...
    const uploads = peers.flatMap((p) =>
      Array.from({ length: FILES_PER_PEER }, async (_, i) => {
        const res = await http(`${p.restUrl}/api/v1/files?name=f${i}.txt`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/octet-stream' },
          body: `${p.daemon.config.id} file ${i}`,
        });
        expect(res.status).to.equal(201);
      }),
    );
    // ...while the three emit bursts side by side, many events per millisecond each.
    for (let b = 0; b < BURSTS; b++) {
      for (let i = 0; i < BURST_SIZE; i++) {
        for (const p of peers) {
          p.daemon.events.emit('search.served', servedData(`q${b}-${i}`, 'burst'));
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(uploads);
    for (const p of peers) {
      await waitFor(
        () =>
          p.daemon.events.since().filter((e) => e.type === 'file.added').length === FILES_PER_PEER,
        { timeoutMs: 30_000, what: `${p.daemon.config.id}: every file.added` },
      );
      await waitFor(() => p.daemon.nats!.queued === 0, { timeoutMs: 30_000, what: 'drained' });
    }

    nc = await connectClient(url);
    const stored = await readStream(nc, STREAM);
    const ids = stored.map((s) => s.event.id);
    const twice = ids.length - new Set(ids).size;
    const lines: string[] = [];
    for (const p of peers) {
      const id = p.daemon.config.id;
      const generated = p.daemon.events.since();
      const mine = stored.filter((s) => s.subject.startsWith(`p2p.${id}.`));
      const storedIds = new Set(mine.map((s) => s.event.id));
      const missing = generated.filter((e) => !storedIds.has(e.id)).length;
      const count = (events: EventEnvelope[], type: string): number =>
        events.filter((e) => e.type === type).length;
      lines.push(
        `${id}: generated ${generated.length} (file.added ${count(generated, 'file.added')}), ` +
          `stored ${mine.length}, missing ${missing}`,
      );
      expect(missing, `${id} events missing from the stream`).to.equal(0);
      expect(mine.map((s) => s.event)).to.deep.equal(generated);
      for (const s of mine) expect(s.subject).to.equal(`p2p.${id}.${s.event.type}`);
      const metrics = await p.daemon.core.metrics.registry.metrics();
      expect(metrics).to.match(/p2pd_nats_events_duplicate_total 0\b/);
    }
    console.log(`      ${lines.join('; ')}; stored in all ${ids.length}, twice ${twice}`);
    expect(twice).to.equal(0);
    expect(ids.length).to.equal(peers.reduce((n, p) => n + p.daemon.events.since().length, 0));
  });
});
