// GET/POST /api/v1/peers and DELETE /api/v1/peers/:id against real daemons.
import { expect } from 'chai';
import { expectProblem, getJson, http } from '../fixtures/http.js';
import { freePort } from '../fixtures/ports.js';
import type { TestPeer } from '../fixtures/peers.js';
import { neighborIds, startNetPeer, stopAll } from '../overlay/network.js';

interface NeighborJson {
  id: string;
  address: string;
  protocolVersion: number;
  version: string;
  state: string;
  rttMs: number;
  sinceMs: number;
  direction: string;
}

describe('REST /api/v1/peers', function () {
  this.timeout(30_000);
  // No healing, and a disconnected peer stays away for the whole test.
  const manual = { minPeers: 0, maxDialBackoffMs: 120_000, exploreIntervalMs: 0 };
  let a: TestPeer;
  let b: TestPeer;
  let twin: TestPeer;

  before(async () => {
    a = await startNetPeer({ id: 'a', overlay: manual });
    b = await startNetPeer({ id: 'b', overlay: manual });
    twin = await startNetPeer({ id: 'a', overlay: manual });
  });
  after(() => stopAll([a, b, twin]));

  const post = (body: unknown, type = 'application/json'): Promise<Response> =>
    http(`${a.restUrl}/api/v1/peers`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('POST joins a peer (201) and GET lists it with state, RTT and direction', async () => {
    const res = await post({ address: b.grpcAddress });
    expect(res.status).to.equal(201);
    const created = (await res.json()) as NeighborJson;
    expect(created).to.deep.include({ id: 'b', address: b.grpcAddress, protocolVersion: 1 });
    expect(created.direction).to.equal('outbound');
    expect(neighborIds(b)).to.deep.equal(['a']);

    const { peers } = await getJson<{ peers: NeighborJson[] }>(`${a.restUrl}/api/v1/peers`);
    expect(peers).to.have.length(1);
    expect(peers[0]).to.have.all.keys(
      'fingerprint',
      'reachability',
      ...['id', 'address', 'protocolVersion', 'version', 'state', 'rttMs', 'sinceMs', 'direction'],
    );
    expect(peers[0]!.state).to.equal('connected');
    const status = await getJson<{ peers: number }>(`${a.restUrl}/api/v1/status`);
    expect(status.peers).to.equal(1);
  });

  it('POST refuses with the status that says why', async () => {
    await expectProblem(await post({ address: 'no-port' }), 400, 'INVALID_ARGUMENT');
    await expectProblem(await post({ address: a.grpcAddress }), 400, 'INVALID_ARGUMENT');
    await expectProblem(await post({ address: twin.grpcAddress }), 409, 'ALREADY_EXISTS');
    const nobody = `127.0.0.1:${await freePort()}`;
    const down = await expectProblem(await post({ address: nobody }), 503, 'UNAVAILABLE');
    expect(down.detail).to.include(nobody);
    const http1 = `127.0.0.1:${a.daemon.rest.port}`;
    const foreign = await expectProblem(await post({ address: http1 }), 503, 'UNAVAILABLE');
    expect(foreign.detail).to.match(/not a p2pd peer/);
    await expectProblem(await post({}), 400, 'INVALID_ARGUMENT');
    await expectProblem(await post({ address: b.grpcAddress, x: 1 }), 400, 'INVALID_ARGUMENT');
    await expectProblem(await post('address=x', 'text/plain'), 400, 'INVALID_ARGUMENT');
  });

  it('DELETE drops a neighbor (204), then 404; a malformed id is 400', async () => {
    const res = await http(`${a.restUrl}/api/v1/peers/b`, { method: 'DELETE' });
    expect(res.status).to.equal(204);
    expect(neighborIds(a)).to.deep.equal([]);
    const again = await http(`${a.restUrl}/api/v1/peers/b`, { method: 'DELETE' });
    await expectProblem(again, 404, 'NOT_FOUND');
    const bad = await http(`${a.restUrl}/api/v1/peers/a%20b`, { method: 'DELETE' });
    await expectProblem(bad, 400, 'INVALID_ARGUMENT');
  });
});
