// A fetch survives the fetching daemon being SIGKILLed: the restarted binary
// resumes without asking again for the chunks it had verified. A cancelled
// fetch leaves no partial state.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { spawnP2pd, type RunningDaemon } from '../fixtures/spawn.js';
import { startFakeSource, type FakeSource } from './fake-source.js';
import { KiB, MiB, filesUnder, randomContent, sha256Of, sha256OfFile } from './helpers.js';

const CHUNK = 64 * KiB;
const CHUNKS = 64;
const GATE = 24;

/** Chunks marked verified in a partial state file, read independently of the code under test. */
async function verifiedChunks(stateFile: string): Promise<number[]> {
  try {
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as { verified?: string };
    const bits = Buffer.from(state.verified ?? '', 'base64');
    const out: number[] = [];
    for (let i = 0; i < CHUNKS; i++) if ((bits[i >> 3] ?? 0) & (1 << (i & 7))) out.push(i);
    return out;
  } catch {
    return [];
  }
}

function chunksOf(requests: { offset: number; end: number }[]): Set<number> {
  const out = new Set<number>();
  for (const r of requests) {
    for (let c = Math.floor(r.offset / CHUNK); c * CHUNK < r.end; c++) out.add(c);
  }
  return out;
}

describe('transfer: resume and cancel', function () {
  this.timeout(120_000);
  let dir: string;
  let daemon: RunningDaemon | undefined;
  let source: FakeSource | undefined;
  const peers: TestPeer[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-resume-'));
  });

  afterEach(async () => {
    if (daemon) {
      daemon.kill('SIGKILL');
      await daemon.exited;
      daemon = undefined;
    }
    await source?.stop();
    source = undefined;
    await Promise.all(peers.splice(0).map((p) => p.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  async function startDaemon(configFile: string): Promise<string> {
    daemon = spawnP2pd(['--config', configFile]);
    const out = await daemon.waitForOutput(/gRPC (127\.0\.0\.1:\d+)/, 30_000);
    return /gRPC (127\.0\.0\.1:\d+)/.exec(out)![1]!;
  }

  it('resumes after SIGKILL without refetching verified chunks', async () => {
    const content = randomContent(CHUNKS * CHUNK);
    const sha = sha256Of(content);
    source = await startFakeSource({
      content,
      chunkSize: CHUNK,
      name: 'resumed.bin',
      gateAt: GATE * CHUNK,
      pieceSize: 16 * KiB,
    });
    const shared = join(dir, 'shared');
    const dataDir = join(dir, 'data');
    await mkdir(shared, { recursive: true });
    const configFile = join(dir, 'peer.json');
    await writeFile(
      configFile,
      JSON.stringify({
        id: 'resumer',
        sharedDir: shared,
        dataDir,
        grpc: { host: '127.0.0.1', port: 0 },
        rest: { host: '127.0.0.1', port: 0 },
        index: { chunkSize: CHUNK, watch: false },
        // Chunks in order (no swarming: its first chunks are random), so the gate cuts the
        // file at a known chunk.
        transfer: { requestBytes: 256 * KiB, swarmRefreshMs: 0 },
        log: { file: join(dir, 'p2pd.log'), level: 'info' },
      }),
    );
    const address = await startDaemon(configFile);
    const client = createControlClient(address);
    const call = client.Fetch(
      { sha256: sha, sources: [source.address] },
      { deadline: deadline(60_000) },
    );
    call.on('error', () => undefined);
    call.on('data', () => undefined);

    // Every chunk before the gate arrives; the state file then says so.
    const stateFile = join(dataDir, 'partial', `${sha}.json`);
    await waitFor(async () => (await verifiedChunks(stateFile)).length === GATE, {
      timeoutMs: 30_000,
      what: `${GATE} verified chunks in the saved state`,
    });
    daemon!.kill('SIGKILL');
    await daemon!.exited;
    daemon = undefined;
    client.close();
    const verified = await verifiedChunks(stateFile);
    expect(verified).to.deep.equal([...Array(GATE).keys()]);
    expect(existsSync(join(dataDir, 'partial', `${sha}.part`))).to.equal(true);

    source.requests.length = 0;
    source.open();
    await startDaemon(configFile);
    const target = join(shared, 'resumed.bin');
    await waitFor(() => existsSync(target), { timeoutMs: 60_000, what: 'the resumed file' });
    expect(await sha256OfFile(target)).to.equal(sha);

    const refetched = chunksOf(source.requests);
    for (const c of verified) expect(refetched.has(c), `chunk ${c} fetched again`).to.equal(false);
    expect(refetched.size).to.equal(CHUNKS - GATE);
    await waitFor(async () => (await filesUnder(join(dataDir, 'partial'))).length === 0, {
      what: 'partial state removed',
    });
    daemon!.kill('SIGTERM');
    const exit = await daemon!.exited;
    daemon = undefined;
    expect(exit.code).to.equal(0);
  });

  it('cancelling the Fetch call cancels the fetch and removes its partial state', async () => {
    const content = randomContent(2 * MiB);
    const sha = sha256Of(content);
    source = await startFakeSource({ content, chunkSize: CHUNK, gateAt: 8 * CHUNK });
    const fetcher = await startPeer({ config: { index: { chunkSize: CHUNK, watch: false } } });
    peers.push(fetcher);
    const client = createControlClient(fetcher.grpcAddress);
    const call = client.Fetch(
      { sha256: sha, sources: [source.address] },
      { deadline: deadline(60_000) },
    );
    call.on('error', () => undefined);
    let id = '';
    call.on('data', (p: { id: string }) => (id = p.id));
    const partial = join(fetcher.dir, 'data', 'partial');
    await waitFor(async () => id && (await filesUnder(partial)).length === 2, {
      what: 'a partial fetch on disk',
    });
    call.cancel();
    await waitFor(() => fetcher.daemon.transfers.get(id).state === 'cancelled', {
      what: 'the fetch cancelled',
    });
    await waitFor(async () => (await filesUnder(partial)).length === 0, {
      what: 'partial state removed',
    });
    expect(await filesUnder(fetcher.shared)).to.deep.equal([]);
    client.close();
  });

  it('resumes on restart of an in-process daemon, keeping verified chunks', async () => {
    const content = randomContent(CHUNKS * CHUNK);
    const sha = sha256Of(content);
    source = await startFakeSource({ content, chunkSize: CHUNK, gateAt: GATE * CHUNK });
    const config = {
      index: { chunkSize: CHUNK, watch: false },
      // In order (no swarming), so the gate cuts the file at a known chunk.
      transfer: { requestBytes: 128 * KiB, swarmRefreshMs: 0 },
    };
    const first = await startPeer({ id: 'p1', config });
    peers.push(first);
    const { dir: peerDir } = first;
    const handle = first.daemon.transfers.fetch({ sha256: sha, sources: [source.address] });
    await waitFor(() => first.daemon.transfers.get(handle.id).bytesDone === GATE * CHUNK, {
      what: 'the chunks before the gate',
    });
    await first.daemon.stop();
    expect(await verifiedChunks(join(peerDir, 'data', 'partial', `${sha}.json`))).to.have.length(
      GATE,
    );
    source.requests.length = 0;
    source.open();
    // Same folders, new daemon.
    const { resolveConfig } = await import('../../src/config/load.js');
    const { Daemon } = await import('../../src/daemon.js');
    const second = new Daemon(
      resolveConfig(
        {
          id: 'p1',
          sharedDir: join(peerDir, 'shared'),
          dataDir: join(peerDir, 'data'),
          grpc: { host: '127.0.0.1', port: 0 },
          rest: { host: '127.0.0.1', port: 0 },
          log: { file: join(peerDir, 'p2pd2.log'), level: 'warn' },
          ...config,
        },
        'test',
        peerDir,
      ),
      { console: false },
    );
    await second.start();
    try {
      const target = join(peerDir, 'shared', 'fake.bin');
      await waitFor(() => existsSync(target), { timeoutMs: 30_000, what: 'the resumed file' });
      expect(await sha256OfFile(target)).to.equal(sha);
      expect(second.transfers.list()[0]?.id).to.equal(handle.id);
      const refetched = chunksOf(source.requests);
      for (let c = 0; c < GATE; c++) expect(refetched.has(c)).to.equal(false);
    } finally {
      await second.stop();
    }
  });
});
