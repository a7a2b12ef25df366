// Attacks on the peer wire by strangers built from the .proto (issue 14): each
// is refused or bounded, asserted on the victim's neighbors and search hits.
import { status, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import { PROTOCOL_VERSION } from '../../src/grpc/proto.js';
import type { PeerServiceClient } from '../../src/generated/p2p/v1/PeerService.js';
import { ephemeralIdentity } from '../../src/identity/peer-identity.js';
import { waitFor } from '../fixtures/peers.js';
import { plaintextClient, strangerClient } from '../fixtures/stranger.js';
import { startFakePeer } from '../overlay/fake-peer.js';
import {
  controlSearch,
  neighborIds,
  recordEvents,
  startNetPeer,
  stoppedAfterEach,
} from '../overlay/network.js';

type Callback<T> = (err: ServiceError | null, value?: T) => void;

function call<T>(
  start: (cb: Callback<T>) => unknown,
): Promise<[ServiceError | null, T | undefined]> {
  return new Promise((resolve) => {
    start((err, value) => resolve([err, value]));
  });
}

const opts = (): { deadline: Date } => ({ deadline: deadline(3000) });

describe('hostile peers against identities and TLS', function () {
  this.timeout(60_000);
  const { peers, fakes } = stoppedAfterEach();
  const clients: PeerServiceClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  it('refuses every PeerService call on a plaintext connection, and serves ControlService there', async () => {
    const a = await startNetPeer({ id: 'a', files: { 'x.txt': 'x' } });
    peers.push(a);
    const c = plaintextClient(a.grpcAddress);
    clients.push(c);
    const sha = createHash('sha256').update('x').digest('hex');
    const results = await Promise.all([
      call((cb) =>
        c.Join({ peer: { id: 'evil', address: '127.0.0.1:1', protocolVersion: 1 } }, opts(), cb),
      ),
      call((cb) => c.Leave({ peerId: 'b' }, opts(), cb)),
      call((cb) => c.Ping({ peerId: '' }, opts(), cb)),
      call((cb) => c.GetPeers({ peerId: '' }, opts(), cb)),
      call((cb) => c.GetFile({ sha256: sha }, opts(), cb)),
    ]);
    for (const [err] of results) {
      expect(err, 'a plaintext call').to.not.equal(null);
      expect(status[err!.code]).to.equal('UNAUTHENTICATED');
      expect(err!.details).to.match(/TLS and a key certified for this network/);
    }
    const download = c.Download({ sha256: sha, offset: 0, length: 0 }, opts());
    const downloadErr = await new Promise<ServiceError>((resolve) => download.on('error', resolve));
    expect(status[downloadErr.code]).to.equal('UNAUTHENTICATED');
    expect(a.daemon.overlay.neighborCount).to.equal(0);
    // The same port still speaks plaintext ControlService to this host (grpcurl -plaintext).
    const status_ = await a.daemon.core.status();
    expect(status_.fingerprint).to.match(/^[A-Z2-7]{13}(-[A-Z2-7]{13}){3}$/);
  });

  it('a key from another network cannot even connect', async () => {
    const a = await startNetPeer({ id: 'a' });
    peers.push(a);
    const c = strangerClient(a.grpcAddress, {}, ephemeralIdentity('another network secret'));
    clients.push(c);
    const [err] = await call((cb) => c.Ping({ peerId: '' }, opts(), cb));
    expect(err).to.not.equal(null);
    expect(status[err!.code]).to.be.oneOf(['UNAVAILABLE', 'UNAUTHENTICATED']);
    expect(a.daemon.overlay.neighborCount).to.equal(0);
  });

  it('ignores spoofed Leaves: the victim keeps its neighbor and finds its files throughout', async () => {
    const b = await startNetPeer({ id: 'b', files: { 'rare-song.flac': randomBytes(1000) } });
    peers.push(b);
    const a = await startNetPeer({ id: 'a', bootstrap: [b.grpcAddress] });
    peers.push(a);
    await waitFor(() => neighborIds(a).includes('b'), { what: 'a and b to be neighbors' });
    const attacker = strangerClient(a.grpcAddress);
    clients.push(attacker);
    const rec = recordEvents([a], ['peer.left', 'peer.failed']);
    let refused = 0;
    let sent = 0;
    let minNeighbors = Infinity;
    const statusMs: number[] = [];
    const control = createControlClient(a.grpcAddress);
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      const t = performance.now();
      await call((cb) => control.Status({}, opts(), cb));
      statusMs.push(performance.now() - t);
      // 20 spoofed Leaves a second, each checked against the victim's table.
      const [err] = await call((cb) => attacker.Leave({ peerId: 'b' }, opts(), cb));
      sent++;
      if (err && status[err.code] === 'PERMISSION_DENIED') refused++;
      minNeighbors = Math.min(minNeighbors, a.daemon.overlay.neighborCount);
      await new Promise((r) => setTimeout(r, 50));
    }
    const { hits } = await controlSearch(a.grpcAddress, { query: 'rare song', timeoutMs: 1500 });
    rec.stop();
    control.close();
    const worstStatus = Math.max(...statusMs);
    console.log(
      `      [figures] spoofed Leave: ${sent} sent, ${refused} refused; victim's neighbors never below ${minNeighbors}; ` +
        `search hits ${hits.length}/1; Status worst ${worstStatus.toFixed(1)} ms over ${statusMs.length} calls`,
    );
    expect(worstStatus, 'Status latency during the attack, ms').to.be.below(500);
    expect(refused).to.equal(sent);
    expect(minNeighbors).to.equal(1);
    expect(rec.events).to.deep.equal([]);
    expect(hits.map((h) => h.peer?.id)).to.deep.equal(['b']);
  });

  it("refuses a Join in a neighbor's name, and zombie pings do not keep a dead neighbor alive", async () => {
    const a = await startNetPeer({ id: 'a', overlay: { minPeers: 0 } });
    peers.push(a);
    const ghost = await startFakePeer({ id: 'ghost' });
    fakes.push(ghost);
    await a.daemon.overlay.connect(ghost.address);
    await waitFor(() => ghost.calls.includes('Ping'), { what: 'a first ping' });
    const attacker = strangerClient(a.grpcAddress);
    clients.push(attacker);
    const [, join] = await call<{ accepted: boolean; reason: string }>((cb) =>
      attacker.Join(
        { peer: { id: 'ghost', address: ghost.address, protocolVersion: PROTOCOL_VERSION } },
        opts(),
        cb,
      ),
    );
    expect(join!.accepted).to.equal(false);
    expect(join!.reason).to.match(/belongs to another key/);

    // The ghost dies; the attacker pings and joins in its name twice a second.
    const rec = recordEvents([a], ['peer.failed']);
    await ghost.stop(true);
    const started = Date.now();
    let zombie = true;
    const keepAlive = (async () => {
      while (zombie) {
        await call((cb) => attacker.Ping({ peerId: 'ghost' }, opts(), cb));
        await call((cb) =>
          attacker.Join(
            { peer: { id: 'ghost', address: ghost.address, protocolVersion: PROTOCOL_VERSION } },
            opts(),
            cb,
          ),
        );
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await waitFor(() => rec.events.length > 0, {
        timeoutMs: 8000,
        what: 'the ghost to be dropped',
      });
    } finally {
      zombie = false;
      await keepAlive;
      rec.stop();
    }
    console.log(
      `      [figures] zombie neighbor: dropped ${Date.now() - started} ms after it died, despite pings and joins in its name`,
    );
    expect(neighborIds(a)).to.not.include('ghost');
  });

  it("an upload in an allowed peer's name from another key is refused, keeping nothing", async () => {
    const b = await startNetPeer({ id: 'b' });
    peers.push(b);
    const a = await startNetPeer({
      id: 'a',
      bootstrap: [b.grpcAddress],
      config: { upload: { allowedPeers: ['b'] } },
    });
    peers.push(a);
    await waitFor(() => neighborIds(a).includes('b'), { what: 'a and b to be neighbors' });
    const attacker = strangerClient(a.grpcAddress);
    clients.push(attacker);
    const data = Buffer.from('planted');
    const result = await new Promise<[ServiceError | null, unknown]>((resolve) => {
      const up = attacker.Upload(opts(), (err, res) => resolve([err, res]));
      up.write({
        header: {
          name: 'planted.txt',
          size: data.length,
          sha256: createHash('sha256').update(data).digest('hex'),
          sender: { id: 'b', address: b.grpcAddress, protocolVersion: PROTOCOL_VERSION },
        },
      });
      up.write({ data });
      up.end();
    });
    expect(result[0]).to.not.equal(null);
    expect(status[result[0]!.code]).to.equal('PERMISSION_DENIED');
    expect(result[0]!.details).to.match(/peer id "b" belongs to another key/);
    expect(a.daemon.index.stats().files).to.equal(0);
  });
});
