// Join/Leave spam while NATS is down (issue 15): the outbox file stays under
// nats.outbox.maxBytes, chatty peer events are dropped and counted, and every
// file event queued meanwhile reaches NATS once it is back.
import { expect } from 'chai';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { deadline, unaryCall } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import { PROTOCOL_VERSION } from '../../src/grpc/proto.js';
import type { PeerServiceClient } from '../../src/generated/p2p/v1/PeerService.js';
import { connectClient, readStream } from '../fixtures/nats-client.js';
import { NatsServer } from '../fixtures/nats-server.js';
import { http } from '../fixtures/http.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';

/** The smallest bound the config allows, so a short flood passes it several times over. */
const MAX_BYTES = 64 * 1024;

describe('NATS outbox under a flood with NATS down', function () {
  this.timeout(120_000);
  let server: NatsServer | undefined;
  let peer: TestPeer | undefined;
  let client: PeerServiceClient | undefined;
  let nc: NatsConnection | undefined;

  afterEach(async () => {
    client?.close();
    await nc?.close().catch(() => undefined);
    await peer?.stop();
    await server?.stop();
    server = peer = client = nc = undefined;
  });

  it('stays under maxBytes, drops peer events first (counted by type), and delivers every file event', async () => {
    server = await NatsServer.start();
    peer = await startPeer({
      id: 'flood',
      config: {
        nats: {
          url: server.url,
          reconnectWaitMs: 100,
          ackTimeoutMs: 1500,
          outbox: { maxBytes: MAX_BYTES },
        },
      },
    });
    const p = peer;
    const outbox = join(p.dir, 'data', 'nats-outbox.jsonl');
    await waitFor(() => p.daemon.nats?.state === 'connected', { what: 'NATS connected' });
    await server.kill();
    await waitFor(() => p.daemon.nats?.state === 'disconnected', { what: 'NATS lost' });

    // What the outbox would hold with no bound: every event, as its JSONL record.
    let unboundedBytes = 0;
    let generated = 0;
    p.daemon.events.subscribe((e) => {
      generated++;
      unboundedBytes += Buffer.byteLength(JSON.stringify({ e })) + 1;
    });

    client = strangerClient(p.grpcAddress);
    const c = client;
    const spam = async (worker: number, rounds: number): Promise<void> => {
      for (let i = 0; i < rounds; i++) {
        const id = `spam-${worker}-${i}`;
        const peerInfo = {
          id,
          address: `127.0.0.1:${9000 + worker}`,
          protocolVersion: PROTOCOL_VERSION,
          version: 'spam',
        };
        await unaryCall((cb) => c.Join({ peer: peerInfo }, { deadline: deadline(5000) }, cb));
        await unaryCall((cb) => c.Leave({ peerId: id }, { deadline: deadline(5000) }, cb));
      }
    };
    const added: string[] = [];
    let largest = 0;
    for (let round = 0; round < 10; round++) {
      const name = `kept-${round}.txt`;
      const res = await http(`${p.restUrl}/api/v1/files?name=${name}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: `file ${round}`,
      });
      expect(res.status).to.equal(201);
      added.push(name);
      await Promise.all(Array.from({ length: 8 }, (_, w) => spam(w, 12)));
      largest = Math.max(largest, (await stat(outbox)).size);
    }

    const metrics = await (await http(`${p.restUrl}/metrics`)).text();
    const dropped = (type: string): number =>
      Number(
        new RegExp(
          `^p2pd_nats_events_dropped_total\\{type="${type.replace('.', '\\.')}"\\} (\\d+)$`,
          'm',
        ).exec(metrics)?.[1] ?? 0,
      );
    const gauge = Number(/^p2pd_nats_outbox_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(largest, 'largest outbox file seen, bytes').to.be.at.most(MAX_BYTES);
    expect(gauge).to.be.at.most(MAX_BYTES);
    expect(dropped('peer.joined') + dropped('peer.left')).to.be.greaterThan(generated / 2);
    expect(dropped('file.added')).to.equal(0);
    expect(unboundedBytes).to.be.greaterThan(4 * MAX_BYTES);

    // NATS back: every file event arrives; peer events only as many as were kept.
    await server.restart();
    await waitFor(async () => (await p.daemon.nats!.whenFlushed(500)) || undefined, {
      timeoutMs: 30_000,
      what: 'the outbox delivered',
    });
    nc = await connectClient(server.url);
    const stored = await readStream(nc, 'P2P_EVENTS', 'flood');
    const files = stored
      .filter((s) => s.event.type === 'file.added')
      .map((s) => (s.event.data as { name: string }).name);
    expect(files).to.include.members(added);
    const peerEvents = stored.filter((s) => s.event.type.startsWith('peer.')).length;
    expect(peerEvents).to.be.below(generated / 2);

    console.log(
      `      [figures] outbox flood: ${generated} events (${(unboundedBytes / 1024).toFixed(0)} KiB unbounded) with NATS down; ` +
        `outbox file at most ${(largest / 1024).toFixed(0)} KiB (bound ${MAX_BYTES / 1024} KiB); ` +
        `dropped peer.joined ${dropped('peer.joined')}, peer.left ${dropped('peer.left')}, file.added 0; ` +
        `${files.length} of ${added.length} file events and ${peerEvents} peer events delivered after`,
    );
  });
});
