// The data behind the UI's pictures, from a real 3-peer network: the network
// map (neighbors and what they report), traffic samples (JSON and a stream),
// and the chunk map of a two-source fetch, with sources named by peer id.
import { expect } from 'chai';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import { expectProblem, getJson, http, sha256 } from '../fixtures/http.js';
import { SseClient } from '../fixtures/sse-client.js';
import { startNetPeer } from '../overlay/network.js';
import { randomContent } from '../transfer/helpers.js';

const CHUNK = 64 * 1024;
const INDEX = { index: { chunkSize: CHUNK } };

interface ChunkMap {
  count: number;
  sources: { peerId: string; address: string }[];
  runs: [number, number][];
}
interface Sample {
  atMs: number;
  upBytes: number;
  downBytes: number;
  peers: { peerId: string; address: string; upBytes: number; downBytes: number }[];
  transfers: { id: string }[];
  neighbors: { id: string; rttMs: number }[];
}
interface NetMap {
  self: { id: string };
  neighbors: { id: string; rttMs: number; reported: { id: string }[] }[];
}

describe('REST /api/v1/network, /api/v1/traffic and /api/v1/transfers/:id/chunks', function () {
  this.timeout(60_000);
  const shared = randomContent(2 * 1024 * 1024);
  let a: TestPeer;
  let b: TestPeer;
  let c: TestPeer;

  before(async () => {
    c = await startNetPeer({ id: 'c', files: { 'both.bin': shared }, config: INDEX });
    b = await startNetPeer({
      id: 'b',
      files: { 'both.bin': shared },
      bootstrap: [c.grpcAddress],
      config: INDEX,
    });
    // a knows b only; c is a neighbor of b, which b reports.
    a = await startNetPeer({
      id: 'a',
      bootstrap: [b.grpcAddress],
      overlay: { minPeers: 1, maxPeers: 1 },
      config: { ...INDEX, transfer: { maxRequestsPerSource: 1, requestBytes: CHUNK } },
    });
    await waitFor(() => b.daemon.overlay.neighbors().length === 2, {
      timeoutMs: 20_000,
      what: 'b to have both neighbors',
    });
  });
  after(() => Promise.all([a?.stop(), b?.stop(), c?.stop()]));

  it('maps the neighbors, their round-trip times and the peers they report', async () => {
    const map = await waitFor(
      async () => {
        const m = await getJson<NetMap>(`${a.restUrl}/api/v1/network`);
        const nb = m.neighbors.find((n) => n.id === 'b');
        return nb && nb.rttMs >= 0 && nb.reported.some((p) => p.id === 'c') ? m : undefined;
      },
      { timeoutMs: 20_000, what: 'b reporting c, with an RTT' },
    );
    expect(map.self.id).to.equal('a');
    expect(map.neighbors.map((n) => n.id)).to.deep.equal(['b']);
    expect(map.neighbors[0]!.reported.map((p) => p.id)).to.not.include('a');
  });

  it('names sources given by address by peer id and maps chunks to them', async () => {
    // Both by address, as the web UI sends them.
    const start = await http(`${a.restUrl}/api/v1/transfers`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sha256: sha256(shared), sources: [b.grpcAddress, c.grpcAddress] }),
    });
    const { id } = (await start.json()) as { id: string };
    const stream = await SseClient.open(`${a.restUrl}/api/v1/traffic?interval_ms=250`);
    try {
      await waitFor(
        async () =>
          (await getJson<{ state: string }>(`${a.restUrl}/api/v1/transfers/${id}`)).state ===
          'completed',
        { timeoutMs: 30_000, what: 'the fetch to complete' },
      );
      const chunks = await getJson<ChunkMap>(`${a.restUrl}/api/v1/transfers/${id}/chunks`);
      expect(chunks.count).to.equal(shared.length / CHUNK);
      expect(chunks.runs.reduce((n, [, k]) => n + k, 0)).to.equal(chunks.count);
      const origins = new Set(chunks.runs.map(([o]) => o));
      expect([...origins].sort()).to.deep.equal([0, 1], 'every chunk from one of two sources');
      // Given by address, named by id: b is a's neighbor.
      expect(chunks.sources.find((s) => s.address === b.grpcAddress)?.peerId).to.equal('b');

      await waitFor(() => stream.messages.length >= 3, { what: 'three samples' });
      const samples = stream.json<Sample>();
      expect(stream.messages.every((m) => m.event === 'sample')).to.equal(true);
      expect(samples.at(-1)!.atMs).to.be.above(samples[0]!.atMs);
      const now = await getJson<Sample>(`${a.restUrl}/api/v1/traffic`);
      expect(now.downBytes).to.equal(shared.length);
      const fromB = now.peers.find((p) => p.peerId === 'b')!;
      const fromC = now.peers.find((p) => p.address === c.grpcAddress)!;
      expect(fromB.downBytes + fromC.downBytes).to.equal(shared.length);
      expect(now.neighbors.map((n) => n.id)).to.deep.equal(['b']);
      const served = await getJson<Sample>(`${b.restUrl}/api/v1/traffic`);
      expect(served.upBytes, 'at least what b delivered').to.be.at.least(fromB.downBytes);
    } finally {
      stream.close();
      await stream.ended;
    }
  });

  it('refuses a bad interval and an unknown transfer', async () => {
    await expectProblem(await http(`${a.restUrl}/api/v1/traffic?interval_ms=5`), 400);
    await expectProblem(await http(`${a.restUrl}/api/v1/transfers/f-000000000000/chunks`), 404);
  });
});
