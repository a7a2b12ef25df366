// Refused identities and bad search input: each gets a clear error, nothing
// crashes, and the daemon keeps serving.
import { status, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import type { JoinResponse__Output } from '../../src/generated/p2p/v1/JoinResponse.js';
import type { SearchHit__Output } from '../../src/generated/p2p/v1/SearchHit.js';
import { PROTOCOL_VERSION } from '../../src/grpc/proto.js';
import { waitFor } from '../fixtures/peers.js';
import { startFakePeer } from './fake-peer.js';
import {
  controlSearch,
  neighborIds,
  recordEvents,
  startNetPeer,
  stoppedAfterEach,
} from './network.js';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function join(
  address: string,
  peer: object,
): Promise<[ServiceError | null, JoinResponse__Output | undefined]> {
  const client = strangerClient(address);
  return new Promise((resolve) =>
    client.Join({ peer }, { deadline: deadline(5000) }, (err, res) => {
      client.close();
      resolve([err, res]);
    }),
  );
}

/** PeerService.Search from a raw client: the hits and the final status. */
function peerSearch(
  address: string,
  request: object,
): Promise<{ hits: SearchHit__Output[]; error: ServiceError | undefined }> {
  const client = strangerClient(address);
  return new Promise((resolve) => {
    const hits: SearchHit__Output[] = [];
    let error: ServiceError | undefined;
    const call = client.Search(request, { deadline: deadline(5000) });
    call.on('data', (h: SearchHit__Output) => hits.push(h));
    call.on('error', (e: ServiceError) => (error = e));
    call.on('status', () => {
      client.close();
      resolve({ hits, error });
    });
  });
}

const manual = { minPeers: 0, exploreIntervalMs: 0 };

describe('overlay bad input', function () {
  this.timeout(30_000);
  const { peers, fakes } = stoppedAfterEach();

  describe('identities', () => {
    it('refuses a peer dialling itself, by its own address or an alias', async () => {
      const a = await startNetPeer({ id: 'a', overlay: manual });
      peers.push(a);
      const own = await rejection(a.daemon.overlay.connect(a.grpcAddress));
      expect(own.name).to.equal('InvalidArgumentError');
      const alias = a.grpcAddress.replace('127.0.0.1', 'localhost');
      const viaAlias = await rejection(a.daemon.overlay.connect(alias));
      expect(viaAlias.name).to.equal('InvalidArgumentError');
      expect(viaAlias.message).to.match(/this peer itself/);
      expect(a.daemon.overlay.neighborCount).to.equal(0);
    });

    it('refuses a second peer with the same id', async () => {
      const a = await startNetPeer({ id: 'twin', overlay: manual });
      const b = await startNetPeer({ id: 'twin', overlay: manual });
      peers.push(a, b);
      const err = await rejection(b.daemon.overlay.connect(a.grpcAddress));
      expect(err.name).to.equal('AlreadyExistsError');
      expect(err.message).to.match(/same id/);
      const control = createControlClient(b.grpcAddress);
      const code = await new Promise<number | undefined>((resolve) =>
        control.ConnectPeer({ address: a.grpcAddress }, { deadline: deadline(5000) }, (e) =>
          resolve(e?.code),
        ),
      );
      control.close();
      expect(code).to.equal(status.ALREADY_EXISTS);
      expect(a.daemon.overlay.neighborCount + b.daemon.overlay.neighborCount).to.equal(0);
    });

    it('refuses an id already used by a neighbor at another address', async () => {
      const a = await startNetPeer({ id: 'a', overlay: manual });
      const b = await startNetPeer({ id: 'b', overlay: manual, bootstrap: [] });
      peers.push(a, b);
      await b.daemon.overlay.connect(a.grpcAddress);
      const [err, res] = await join(a.grpcAddress, {
        id: 'b',
        address: '127.0.0.1:9',
        protocolVersion: PROTOCOL_VERSION,
      });
      expect(err).to.equal(null);
      expect(res!.accepted).to.equal(false);
      // The id is b's key's: a stranger's key cannot take it, wherever it says it is.
      expect(res!.reason).to.match(/peer id "b" belongs to another key/);
      expect(neighborIds(a)).to.deep.equal(['b']);
      expect(a.daemon.overlay.neighbors()[0]!.peer.address).to.equal(b.grpcAddress);
    });

    it('refuses an address that is not a p2pd peer, or where nothing listens', async () => {
      const a = await startNetPeer({ id: 'a', overlay: manual });
      peers.push(a);
      const http = await rejection(a.daemon.overlay.connect(`127.0.0.1:${a.daemon.rest.port}`));
      expect(http.name).to.equal('UnavailableError');
      expect(http.message).to.match(/not a p2pd peer/);
      const fake = await startFakePeer();
      const gone = fake.address;
      await fake.stop(true);
      const nothing = await rejection(a.daemon.overlay.connect(gone));
      expect(nothing.name).to.equal('UnavailableError');
      expect(nothing.message).to.match(/unreachable/);
      expect(a.daemon.overlay.neighborCount).to.equal(0);
    });

    it('refuses an incompatible protocol version, both ways', async () => {
      const a = await startNetPeer({ id: 'a', overlay: manual });
      peers.push(a);
      const [err, res] = await join(a.grpcAddress, {
        id: 'future',
        address: '127.0.0.1:9',
        protocolVersion: PROTOCOL_VERSION + 1,
      });
      expect(err).to.equal(null);
      expect(res!.accepted).to.equal(false);
      expect(res!.reason).to.match(/incompatible protocol version/);

      const fake = await startFakePeer({ id: 'future', protocolVersion: 99 });
      fakes.push(fake);
      const refused = await rejection(a.daemon.overlay.connect(fake.address));
      expect(refused.name).to.equal('UnavailableError');
      expect(refused.message).to.match(/protocol version 99/);
      expect(fake.calls).to.include('Leave'); // it had accepted us: told we are not staying
      expect(a.daemon.overlay.neighborCount).to.equal(0);
    });

    it('answers a malformed Join with INVALID_ARGUMENT', async () => {
      const a = await startNetPeer({ id: 'a', overlay: manual });
      peers.push(a);
      const [noPeer] = await join(a.grpcAddress, undefined as unknown as object);
      expect(noPeer?.code).to.equal(status.INVALID_ARGUMENT);
      const [badId] = await join(a.grpcAddress, { id: 'a b', address: '127.0.0.1:9' });
      expect(badId?.code).to.equal(status.INVALID_ARGUMENT);
      const [badAddress] = await join(a.grpcAddress, { id: 'x', address: 'nowhere' });
      expect(badAddress?.code).to.equal(status.INVALID_ARGUMENT);
    });
  });

  describe('search', () => {
    it('rejects TTL 10^6, an empty query, a 100 KB query and a huge timeout with INVALID_ARGUMENT', async () => {
      const a = await startNetPeer({ id: 'a', overlay: manual, files: { 'song.mp3': 'la' } });
      peers.push(a);
      const cases = [
        { query: 'song', ttl: 1_000_000 },
        { query: '' },
        { query: '   ' },
        { query: '?!' },
        { query: 'x'.repeat(100 * 1024) },
        { query: 'song', timeoutMs: 1_000_000_000 },
      ];
      for (const request of cases) {
        const { error, hits } = await controlSearch(a.grpcAddress, request);
        expect(error?.code, JSON.stringify(request).slice(0, 60)).to.equal(status.INVALID_ARGUMENT);
        expect(hits).to.deep.equal([]);
      }
      expect(() => a.daemon.overlay.search(''))
        .to.throw()
        .with.property('name', 'InvalidArgumentError');
      expect(() => a.daemon.overlay.search('song', { ttl: 1e6 }))
        .to.throw()
        .with.property('name', 'InvalidArgumentError');
      // Still serving.
      const ok = await controlSearch(a.grpcAddress, { query: 'song' });
      expect(ok.error).to.equal(undefined);
      expect(ok.hits.map((h) => h.file!.names)).to.deep.equal([['song.mp3']]);
    });

    it('bounds what other peers send: TTL lowered, long query, bad ids and bad targets refused', async () => {
      const a = await startNetPeer({ id: 'a', overlay: manual, files: { 'song.mp3': 'la' } });
      peers.push(a);
      const origin = { id: 'o', address: '127.0.0.1:9', protocolVersion: PROTOCOL_VERSION };
      const rec = recordEvents([a], ['search.served']);
      const big = await peerSearch(a.grpcAddress, {
        queryId: 'q1',
        query: 'song',
        ttl: 1_000_000,
        origin,
      });
      expect(big.error).to.equal(undefined);
      expect(big.hits.map((h) => h.file!.sha256)).to.have.length(1);
      const long = await peerSearch(a.grpcAddress, {
        queryId: 'q2',
        query: 'x'.repeat(100 * 1024),
        ttl: 1,
        origin,
      });
      expect(long.error?.code).to.equal(status.INVALID_ARGUMENT);
      const noId = await peerSearch(a.grpcAddress, { queryId: '', query: 'song', ttl: 1, origin });
      expect(noId.error?.code).to.equal(status.INVALID_ARGUMENT);
      const noOrigin = await peerSearch(a.grpcAddress, { queryId: 'q3', query: 'song', ttl: 1 });
      expect(noOrigin.error?.code).to.equal(status.INVALID_ARGUMENT);
      const manyTargets = await peerSearch(a.grpcAddress, {
        queryId: 'q4',
        query: 'song',
        ttl: 1,
        origin,
        targets: Array.from({ length: 65 }, (_, i) => i + 1),
      });
      expect(manyTargets.error?.code).to.equal(status.INVALID_ARGUMENT);
      expect(manyTargets.error?.details).to.match(/targets/);
      const zeroTarget = await peerSearch(a.grpcAddress, {
        queryId: 'q5',
        query: 'song',
        ttl: 1,
        origin,
        targets: [0],
      });
      expect(zeroTarget.error?.code).to.equal(status.INVALID_ARGUMENT);
      const again = await peerSearch(a.grpcAddress, {
        queryId: 'q1',
        query: 'song',
        ttl: 1,
        origin,
      });
      expect(again.error).to.equal(undefined);
      expect(again.hits).to.deep.equal([]); // a duplicate is dropped
      rec.stop();
      expect(rec.events.map((e) => (e.data as { queryId: string }).queryId)).to.deep.equal(['q1']);
    });

    it('forwards a remote query with its TTL clamped to search.maxTtl and its flood flag dropped', async () => {
      const maxTtl = 3;
      const a = await startNetPeer({ id: 'a', overlay: manual, search: { maxTtl, defaultTtl: 2 } });
      peers.push(a);
      const fake = await startFakePeer({ id: 'next' });
      fakes.push(fake);
      await a.daemon.overlay.connect(fake.address);
      const origin = { id: 'o', address: '127.0.0.1:9', protocolVersion: PROTOCOL_VERSION };
      const sent = await peerSearch(a.grpcAddress, {
        queryId: 'clamped',
        query: 'anything',
        ttl: 1_000_000,
        hops: 0,
        flood: true,
        origin,
      });
      expect(sent.error).to.equal(undefined);
      await waitFor(() => fake.searches.length === 1, { what: 'the forwarded copy' });
      // The neighbor (its tables unknown) gets the copy at maxTtl - 1 hops left, not flooded on.
      expect(fake.searches[0]).to.include({ queryId: 'clamped', ttl: maxTtl - 1, hops: 1 });
      expect(fake.searches[0]!.flood).to.equal(false);
    });

    it('a neighbor that hangs on Search does not hold the answer past the deadline', async () => {
      const a = await startNetPeer({ id: 'a', overlay: manual });
      const b = await startNetPeer({ id: 'b', overlay: manual, files: { 'b-report.pdf': 'b' } });
      peers.push(a, b);
      const fake = await startFakePeer({ id: 'sloth', hangOnSearch: true });
      fakes.push(fake);
      await a.daemon.overlay.connect(b.grpcAddress);
      await a.daemon.overlay.connect(fake.address);

      const timeoutMs = 1500;
      const result = await controlSearch(a.grpcAddress, { query: 'report', timeoutMs });
      expect(result.error).to.equal(undefined);
      expect(result.hits.map((h) => h.peer!.id)).to.deep.equal(['b']);
      expect(fake.calls).to.include('Search');
      expect(result.elapsedMs).to.be.below(timeoutMs + 1000);
      // The hanging call was given up, not left open.
      await waitFor(() => fake.openSearches.size === 0, {
        what: 'the hanging Search to be cancelled',
      });
    });
  });
});
