// The first scan of a big share, on the real binary: the daemon answers REST
// while it hashes (status says indexing), a SIGKILL mid-scan loses only what
// was not saved yet, and SIGTERM mid-scan exits at once.
import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHashCache } from '../fixtures/hash-cache.js';
import { waitFor } from '../fixtures/peers.js';
import { spawnP2pd, waitIndexed, type RunningDaemon } from '../fixtures/spawn.js';

const FILES = 5000;
const FILE_BYTES = 4096;
const TOTAL = FILES * FILE_BYTES;

/** The hash cache as saved on disk: files and bytes. */
async function savedCache(dataDir: string): Promise<{ files: number; bytes: number }> {
  const sizes = [...(await readHashCache(dataDir)).values()].map((r) => r.size);
  return { files: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0) };
}

async function status(restUrl: string): Promise<{ indexing: boolean; files: number }> {
  const res = await fetch(`${restUrl}/api/v1/status`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as { indexing: boolean; files: number };
}

async function hashedBytes(restUrl: string): Promise<number> {
  const text = await (await fetch(`${restUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('p2pd_hashed_bytes_total '));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('the first scan of a big share (real binary)', function () {
  this.timeout(180_000);
  let dir: string;
  let shared: string;
  let daemon: RunningDaemon | undefined;
  let run = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-scan-'));
    shared = join(dir, 'shared');
    for (let d = 0; d < FILES / 500; d++) {
      await mkdir(join(shared, `dir${d}`), { recursive: true });
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          writeFile(join(shared, `dir${d}`, `file-${i}.txt`), `${d}/${i} `.padEnd(FILE_BYTES, '.')),
        ),
      );
    }
  });

  after(() => rm(dir, { recursive: true, force: true }));

  afterEach(async () => {
    if (daemon) {
      daemon.kill('SIGKILL');
      await daemon.exited;
      daemon = undefined;
    }
  });

  /** A config of its own data folder over the shared tree. */
  async function writeConfig(): Promise<{ file: string; dataDir: string }> {
    run++;
    const dataDir = join(dir, `data-${run}`);
    const file = join(dir, `peer-${run}.json`);
    await writeFile(
      file,
      JSON.stringify({
        id: `scanner${run}`,
        sharedDir: shared,
        dataDir,
        grpc: { host: '127.0.0.1', port: 0 },
        rest: { host: '127.0.0.1', port: 0 },
        index: { watch: false },
        log: { file: join(dir, `p2pd-${run}.log`), level: 'info' },
      }),
    );
    return { file, dataDir };
  }

  /** Spawns the binary; resolves with its REST URL and how long it took to answer /healthz. */
  async function start(config: string): Promise<{ rest: string; listenMs: number }> {
    const spawned = Date.now();
    daemon = spawnP2pd(['--config', config]);
    const out = await daemon.waitForOutput(/started: gRPC \S+, REST \S+/, 30_000);
    const rest = /started: gRPC \S+, REST (\S+)/.exec(out)![1]!;
    const health = await fetch(`${rest}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(health.status).to.equal(200);
    return { rest, listenMs: Date.now() - spawned };
  }

  it('answers while it indexes and re-hashes after a SIGKILL only what was not saved', async () => {
    const { file, dataDir } = await writeConfig();
    const first = await start(file);
    const during = await status(first.rest);
    expect(during.indexing, 'status.indexing right after start').to.equal(true);
    expect(during.files).to.be.lessThan(FILES);

    // Progress reaches the disk while the scan runs.
    await waitFor(async () => (await savedCache(dataDir)).files >= 200, {
      timeoutMs: 30_000,
      what: 'a saved part of the scan',
    });
    expect((await status(first.rest)).indexing, 'still indexing at the kill').to.equal(true);
    daemon!.kill('SIGKILL');
    await daemon!.exited;
    daemon = undefined;
    const saved = await savedCache(dataDir);
    expect(saved.files).to.be.within(200, FILES - 1);

    const second = await start(file);
    await waitIndexed(second.rest, 60_000);
    expect((await status(second.rest)).files).to.equal(FILES);
    const rehashed = await hashedBytes(second.rest);
    expect(rehashed, 'bytes hashed again after the kill').to.equal(TOTAL - saved.bytes);
    expect((await savedCache(dataDir)).files).to.equal(FILES);
    console.log(
      `      listening ${first.listenMs} ms after spawn, mid-scan; ${saved.bytes} of ${TOTAL} bytes ` +
        `saved at the kill; the restart hashed ${rehashed} bytes`,
    );
    daemon!.kill('SIGTERM');
    expect((await daemon!.exited).code).to.equal(0);
    daemon = undefined;
  });

  it('exits within 2 s on SIGTERM during the first scan, keeping its progress', async () => {
    const { file, dataDir } = await writeConfig();
    const { rest } = await start(file);
    await waitFor(async () => (await hashedBytes(rest)) > 0, { what: 'hashing to start' });
    expect((await status(rest)).indexing).to.equal(true);
    const sent = Date.now();
    daemon!.kill('SIGTERM');
    const exit = await daemon!.exited;
    const ms = Date.now() - sent;
    daemon = undefined;
    expect(exit.code).to.equal(0);
    expect(ms, 'exit time, ms').to.be.lessThan(2000);
    const saved = await savedCache(dataDir);
    expect(saved.files, 'records saved at the stop').to.be.within(1, FILES - 1);
    console.log(`      SIGTERM mid-scan: exited in ${ms} ms with ${saved.files} files saved`);
  });
});
