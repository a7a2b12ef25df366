// REST transfers and pushes against real daemons: 202 + id, progress by
// polling, cancel, and problems for bad requests.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { expectProblem, getJson, http, sha256 } from '../fixtures/http.js';
import { startFakeSource, type FakeSource } from '../transfer/fake-source.js';
import { controlStream, filesUnder, randomContent } from '../transfer/helpers.js';

interface Transfer {
  id: string;
  kind: string;
  state: string;
  sha256: string;
  name: string;
  size: number;
  bytesDone: number;
  sources: { address: string; chunks: number; failed: boolean }[];
  error: string;
  path: string;
  peer: string;
}

const CHUNK = 64 * 1024;

describe('REST /api/v1/transfers and /api/v1/pushes', function () {
  this.timeout(60_000);
  const content = randomContent(1024 * 1024 + 5);
  const hash = sha256(content);
  let source: TestPeer;
  let local: TestPeer;
  let fake: FakeSource | undefined;

  beforeEach(async () => {
    source = await startPeer({
      id: 'source',
      files: { 'clip.mp4': content },
      config: { index: { chunkSize: CHUNK } },
    });
    // Chunks in order (no swarm refresh): the gated fake sources stop at a known chunk.
    local = await startPeer({
      id: 'local',
      config: { index: { chunkSize: CHUNK }, transfer: { swarmRefreshMs: 0 } },
    });
  });
  afterEach(async () => {
    await Promise.all([source?.stop(), local?.stop(), fake?.stop()]);
    fake = undefined;
  });

  const post = (peer: TestPeer, path: string, body: unknown) =>
    http(`${peer.restUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function finished(peer: TestPeer, id: string): Promise<Transfer> {
    return waitFor(
      async () => {
        const t = await getJson<Transfer>(`${peer.restUrl}/api/v1/transfers/${id}`);
        return ['completed', 'failed', 'cancelled'].includes(t.state) ? t : undefined;
      },
      { timeoutMs: 30_000, what: `transfer ${id} to finish` },
    );
  }

  it('starts a fetch with 202 and a Location, which completes', async () => {
    const res = await post(local, '/api/v1/transfers', {
      sha256: hash,
      sources: [source.grpcAddress],
    });
    expect(res.status).to.equal(202);
    const started = (await res.json()) as Transfer;
    expect(started.kind).to.equal('fetch');
    expect(res.headers.get('location')).to.equal(`/api/v1/transfers/${started.id}`);
    const done = await finished(local, started.id);
    expect(done).to.include({ state: 'completed', sha256: hash, size: content.length });
    expect(done.path).to.equal(join(local.shared, 'clip.mp4'));
    expect(done.sources[0]).to.include({ address: source.grpcAddress, failed: false });
    expect((await readFile(done.path)).equals(content)).to.equal(true);
    const list = await getJson<{ transfers: Transfer[] }>(`${local.restUrl}/api/v1/transfers`);
    expect(list.transfers.map((t) => t.id)).to.include(started.id);
  });

  it('joins a fetch of the same hash already under way', async () => {
    fake = await startFakeSource({ content, chunkSize: CHUNK, gateAt: CHUNK });
    const body = { sha256: hash, sources: [fake.address] };
    const first = (await (await post(local, '/api/v1/transfers', body)).json()) as Transfer;
    const second = (await (await post(local, '/api/v1/transfers', body)).json()) as Transfer;
    expect(second.id).to.equal(first.id);
    fake.open();
    expect((await finished(local, first.id)).state).to.equal('completed');
  });

  it('cancels a running fetch with DELETE, leaving no partial state', async () => {
    fake = await startFakeSource({ content, chunkSize: CHUNK, gateAt: 4 * CHUNK });
    const res = await post(local, '/api/v1/transfers', { sha256: hash, sources: [fake.address] });
    const { id } = (await res.json()) as Transfer;
    await waitFor(
      async () =>
        (await getJson<Transfer>(`${local.restUrl}/api/v1/transfers/${id}`)).bytesDone > 0,
      { what: 'the fetch to make progress' },
    );
    const del = await http(`${local.restUrl}/api/v1/transfers/${id}`, { method: 'DELETE' });
    expect(del.status).to.equal(202);
    expect((await finished(local, id)).state).to.equal('cancelled');
    await waitFor(async () => (await filesUnder(join(local.dir, 'data', 'partial'))).length === 0, {
      what: 'partial state removed',
    });
    expect(await filesUnder(local.shared)).to.deep.equal([]);
  });

  it('reports a failed fetch with its reason, the same one gRPC gives', async () => {
    const missing = sha256(Buffer.from('nobody'));
    const res = await post(local, '/api/v1/transfers', {
      sha256: missing,
      sources: [source.grpcAddress],
    });
    expect(res.status).to.equal(202);
    const failed = await finished(local, ((await res.json()) as Transfer).id);
    expect(failed.state).to.equal('failed');
    expect(failed.error).to.match(/does not have the file/);
    const viaGrpc = await controlStream(local.grpcAddress, 'Fetch', {
      sha256: missing,
      sources: [source.grpcAddress],
    });
    expect(viaGrpc.last?.error).to.equal(failed.error);
  });

  for (const [label, body] of [
    ['neither sha256 nor name', { sources: ['127.0.0.1:1'] }],
    ['a malformed sha256', { sha256: 'abc' }],
    ['an unknown field', { sha256: 'a'.repeat(64), speed: 'fast' }],
    ['a source that is not host:port', { sha256: 'a'.repeat(64), sources: ['nowhere'] }],
  ] as const) {
    it(`answers 400 to a fetch with ${label}`, async () => {
      await expectProblem(await post(local, '/api/v1/transfers', body), 400, 'INVALID_ARGUMENT');
    });
  }

  it('answers 404 for an unknown transfer id, 400 for a malformed one', async () => {
    const unknown = `${local.restUrl}/api/v1/transfers/f-000000000000`;
    await expectProblem(await http(unknown), 404, 'NOT_FOUND');
    await expectProblem(await http(unknown, { method: 'DELETE' }), 404, 'NOT_FOUND');
    await expectProblem(
      await http(`${local.restUrl}/api/v1/transfers/nope`),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('pushes a file with POST /api/v1/pushes', async () => {
    const res = await post(source, '/api/v1/pushes', { sha256: hash, peer: local.grpcAddress });
    expect(res.status).to.equal(202);
    const push = (await res.json()) as Transfer;
    expect(push).to.include({ kind: 'push', peer: local.grpcAddress });
    const done = await finished(source, push.id);
    expect(done).to.include({ state: 'completed', path: 'incoming/clip.mp4' });
    expect((await readFile(join(local.shared, 'incoming', 'clip.mp4'))).equals(content)).to.be.true;
  });

  it('reports a refused push as failed with the receiver reason', async () => {
    const closed = await startPeer({ id: 'closed', config: { upload: { enabled: false } } });
    try {
      const res = await post(source, '/api/v1/pushes', {
        name: 'clip.mp4',
        peer: closed.grpcAddress,
      });
      const done = await finished(source, ((await res.json()) as Transfer).id);
      expect(done.state).to.equal('failed');
      expect(done.error).to.match(/does not accept pushed files/);
    } finally {
      await closed.stop();
    }
  });

  it('answers 404 to a push of a file this peer does not share, 400 to a bad peer', async () => {
    await expectProblem(
      await post(source, '/api/v1/pushes', { sha256: 'b'.repeat(64), peer: local.grpcAddress }),
      404,
      'NOT_FOUND',
    );
    await expectProblem(
      await post(source, '/api/v1/pushes', { sha256: hash, peer: 'not a peer' }),
      400,
      'INVALID_ARGUMENT',
    );
  });
});
