// Membership with real daemons: join, refuse when full, leave, fail, heal,
// bootstrap that comes up late, connect/disconnect, the host cache.
import { status, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import type { ConnectPeerResponse__Output } from '../../src/generated/p2p/v1/ConnectPeerResponse.js';
import type { JoinResponse__Output } from '../../src/generated/p2p/v1/JoinResponse.js';
import type { ListPeersResponse__Output } from '../../src/generated/p2p/v1/ListPeersResponse.js';
import { PROTOCOL_VERSION } from '../../src/grpc/proto.js';
import { freePort } from '../fixtures/ports.js';
import { waitFor } from '../fixtures/peers.js';
import { startFakePeer } from './fake-peer.js';
import {
  isSymmetric,
  neighborIds,
  recordEvents,
  startNetPeer,
  stoppedAfterEach,
} from './network.js';

type Unary<Req, Res> = (
  req: Req,
  options: { deadline: Date },
  cb: (err: ServiceError | null, res?: Res) => void,
) => unknown;

/** Calls a unary gRPC method and resolves with [error, response]. */
function call<Req, Res>(
  method: Unary<Req, Res>,
  req: Req,
): Promise<[ServiceError | null, Res | undefined]> {
  return new Promise((resolve) => {
    method(req, { deadline: deadline(5000) }, (err, res) => resolve([err, res]));
  });
}

describe('overlay membership', function () {
  this.timeout(30_000);
  const { peers, fakes } = stoppedAfterEach();

  it('joins through a bootstrap peer; both sides count each other and report RTT', async () => {
    const a = await startNetPeer({ id: 'a' });
    peers.push(a);
    const rec = recordEvents([a], ['peer.joined']);
    const b = await startNetPeer({ id: 'b', bootstrap: [a.grpcAddress] });
    peers.push(b);
    await waitFor(() => neighborIds(a).includes('b') && neighborIds(b).includes('a'), {
      what: 'a and b to be neighbors',
    });
    expect(rec.events.map((e) => e.data)).to.deep.include({
      peerId: 'b',
      address: b.grpcAddress,
      direction: 'inbound',
    });
    rec.stop();

    const control = createControlClient(b.grpcAddress);
    try {
      const listed = await waitFor(
        async () => {
          const [err, res] = await call<object, ListPeersResponse__Output>(
            control.ListPeers.bind(control),
            {},
          );
          expect(err).to.equal(null);
          const n = res!.peers[0];
          return n && n.rttMs >= 0 ? n : undefined;
        },
        { what: 'a measured RTT' },
      );
      expect(listed.peer!.id).to.equal('a');
      expect(listed.peer!.address).to.equal(a.grpcAddress);
      expect(listed.peer!.protocolVersion).to.equal(PROTOCOL_VERSION);
      expect(listed.state).to.equal('connected');
      expect(listed.direction).to.equal('outbound');
      expect(listed.sinceMs).to.be.greaterThan(0);
    } finally {
      control.close();
    }
    const status = (await (await fetch(`${a.restUrl}/api/v1/status`)).json()) as { peers: number };
    expect(status.peers).to.equal(1);
  });

  it('refuses joins beyond maxPeers politely, handing out other peers to dial', async () => {
    const hub = await startNetPeer({ id: 'hub', overlay: { minPeers: 0, maxPeers: 2 } });
    peers.push(hub);
    const small = { minPeers: 1, maxPeers: 4 };
    for (const id of ['p1', 'p2']) {
      peers.push(await startNetPeer({ id, bootstrap: [hub.grpcAddress], overlay: small }));
    }
    await waitFor(() => hub.daemon.overlay.neighborCount === 2, { what: 'the hub to fill up' });

    const client = strangerClient(hub.grpcAddress);
    try {
      const [err, res] = await call<object, JoinResponse__Output>(client.Join.bind(client), {
        peer: { id: 'late', address: '127.0.0.1:9', protocolVersion: PROTOCOL_VERSION },
      });
      expect(err).to.equal(null);
      expect(res!.accepted).to.equal(false);
      expect(res!.reason).to.match(/full/);
      expect(res!.peer!.id).to.equal('hub');
      expect(res!.peers.map((p) => p.id).sort()).to.deep.equal(['p1', 'p2']);
    } finally {
      client.close();
    }

    // A newcomer sent to the full hub ends up with one of the peers it was handed.
    const p3 = await startNetPeer({ id: 'p3', bootstrap: [hub.grpcAddress], overlay: small });
    peers.push(p3);
    await waitFor(() => p3.daemon.overlay.neighborCount >= 1, { what: 'p3 to find a neighbor' });
    expect(neighborIds(p3)).to.not.include('hub');
    expect(hub.daemon.overlay.neighborCount).to.equal(2);
    // The peers keep exploring: a Join in flight is known on one side for a moment.
    await waitFor(() => isSymmetric(peers), { what: 'every link known on both sides' });
  });

  it('a graceful stop is seen by neighbors at once (peer.left, not peer.failed)', async () => {
    // Pings too slow to notice anything within the test: only Leave can explain the event.
    const slow = { pingIntervalMs: 5000, failAfterMisses: 3 };
    const a = await startNetPeer({ id: 'a', overlay: slow });
    const c = await startNetPeer({ id: 'c', overlay: slow });
    const b = await startNetPeer({
      id: 'b',
      bootstrap: [a.grpcAddress, c.grpcAddress],
      overlay: slow,
    });
    peers.push(a, b, c);
    await waitFor(() => neighborIds(b).length === 2, { what: 'b to join a and c' });
    const rec = recordEvents([a, c], ['peer.left', 'peer.failed']);
    const stopped = Date.now();
    await b.stop();
    await waitFor(() => rec.events.length === 2, { timeoutMs: 2000, what: 'both to see b leave' });
    const elapsed = Date.now() - stopped;
    rec.stop();
    expect(
      rec.events.map((e) => [e.type, e.peer, (e.data as { peerId: string }).peerId]),
    ).to.have.deep.members([
      ['peer.left', 'a', 'b'],
      ['peer.left', 'c', 'b'],
    ]);
    expect(elapsed).to.be.below(2000);
    expect(neighborIds(a)).to.not.include('b');
  });

  it('drops a neighbor that stops answering pings (peer.failed)', async () => {
    const a = await startNetPeer({ id: 'a', overlay: { minPeers: 0 } });
    peers.push(a);
    const fake = await startFakePeer({ id: 'ghost' });
    fakes.push(fake);
    await a.daemon.overlay.connect(fake.address);
    await waitFor(() => fake.calls.includes('Ping'), { what: 'a first ping' });
    const rec = recordEvents([a], ['peer.failed', 'peer.left']);
    await fake.stop(true);
    const [event] = await waitFor(() => (rec.events.length > 0 ? rec.events : undefined), {
      timeoutMs: 5000,
      what: 'peer.failed',
    });
    rec.stop();
    expect(event!.type).to.equal('peer.failed');
    expect(event!.data).to.include({ peerId: 'ghost', address: fake.address });
    expect((event!.data as { reason: string }).reason).to.match(/missed 3 pings/);
    expect(a.daemon.overlay.neighborCount).to.equal(0);
  });

  it('joins a bootstrap peer that is down at start once it comes up', async () => {
    const port = await freePort();
    const a = await startNetPeer({ id: 'a', bootstrap: [`127.0.0.1:${port}`] });
    peers.push(a);
    await waitFor(() => a.daemon.overlay.stats().dialFailures >= 2, {
      what: 'a couple of failed dials',
    });
    expect(a.daemon.overlay.neighborCount).to.equal(0);
    const b = await startNetPeer({ id: 'b', config: { grpc: { port } } });
    peers.push(b);
    await waitFor(() => neighborIds(a).includes('b'), {
      timeoutMs: 10_000,
      what: 'a to join b once it is up',
    });
    expect(neighborIds(b)).to.deep.equal(['a']);
  });

  it('ConnectPeer and DisconnectPeer work through ControlService', async () => {
    const manual = { minPeers: 0, maxDialBackoffMs: 60_000, exploreIntervalMs: 0 };
    const a = await startNetPeer({ id: 'a', overlay: manual });
    const b = await startNetPeer({ id: 'b', overlay: manual });
    peers.push(a, b);
    const control = createControlClient(a.grpcAddress);
    try {
      const [err, res] = await call<object, ConnectPeerResponse__Output>(
        control.ConnectPeer.bind(control),
        { address: b.grpcAddress },
      );
      expect(err).to.equal(null);
      expect(res!.peer!.peer!.id).to.equal('b');
      expect(res!.peer!.direction).to.equal('outbound');
      expect(neighborIds(b)).to.deep.equal(['a']);

      const rec = recordEvents([b], ['peer.left']);
      const [derr] = await call(control.DisconnectPeer.bind(control), { peerId: 'b' });
      expect(derr).to.equal(null);
      expect(neighborIds(a)).to.deep.equal([]);
      await waitFor(() => rec.events.length === 1, { what: 'b to see a leave' });
      rec.stop();
      expect(neighborIds(b)).to.deep.equal([]);

      // b may not heal straight back into a.
      const back = await b.daemon.overlay.connect(a.grpcAddress).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(back?.name).to.equal('UnavailableError');
      expect(back?.message).to.match(/disconnected it/);

      const [nerr] = await call(control.DisconnectPeer.bind(control), { peerId: 'b' });
      expect(nerr?.code).to.equal(status.NOT_FOUND);
      const [berr] = await call(control.ConnectPeer.bind(control), { address: 'no-port' });
      expect(berr?.code).to.equal(status.INVALID_ARGUMENT);
    } finally {
      control.close();
    }
  });

  it('remembers peers in <dataDir>/hosts.json and rejoins them after a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'p2pd-hosts-'));
    try {
      const a = await startNetPeer({ id: 'a' });
      peers.push(a);
      const b = await startNetPeer({ id: 'b', bootstrap: [a.grpcAddress], config: { dataDir } });
      await waitFor(() => neighborIds(b).includes('a'), { what: 'b to join a' });
      await b.stop();
      const saved = JSON.parse(await readFile(join(dataDir, 'hosts.json'), 'utf8')) as {
        hosts: { address: string; id?: string }[];
      };
      const entry = saved.hosts.find((h) => h.address === a.grpcAddress);
      expect(entry?.id).to.equal('a');

      // No bootstrap this time: the cache alone brings it back.
      const again = await startNetPeer({ id: 'b', config: { dataDir } });
      peers.push(again);
      await waitFor(() => neighborIds(again).includes('a'), {
        what: 'b to rejoin a from its cache',
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
