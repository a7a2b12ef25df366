import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EventBus } from '../../src/events/bus.js';
import type { EventEnvelope } from '../../src/events/types.js';
import { FileIndex } from '../../src/index/file-index.js';
import { Metrics } from '../../src/metrics.js';
import { readHashCache } from '../fixtures/hash-cache.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function chunkHashes(data: Buffer, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < data.length; at += size) out.push(sha(data.subarray(at, at + size)));
  return out;
}

describe('FileIndex', () => {
  let dir: string;
  let shared: string;
  let indexes: FileIndex[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-index-'));
    shared = join(dir, 'shared');
    await mkdir(shared);
    indexes = [];
  });

  afterEach(async () => {
    for (const index of indexes) await index.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function open(
    options: { watch?: boolean; chunkSize?: number; saveIntervalMs?: number } = {},
  ) {
    const events = new EventBus({ peerId: 'test' });
    const seen: EventEnvelope[] = [];
    events.subscribe((e) => seen.push(e));
    const index = new FileIndex(
      { events, metrics: new Metrics(), logger: pino({ level: 'silent' }) },
      {
        sharedDir: shared,
        dataDir: join(dir, 'data'),
        chunkSize: options.chunkSize ?? 16 * 1024,
        watch: options.watch ?? false,
        settleMs: 50,
        ...(options.saveIntervalMs ? { saveIntervalMs: options.saveIntervalMs } : {}),
      },
    );
    indexes.push(index);
    await index.start();
    await index.whenIdle();
    return { index, seen };
  }

  it('hashes content and chunks exactly like an independent computation', async () => {
    const big = randomBytes(100_000);
    const exact = randomBytes(32 * 1024);
    await mkdir(join(shared, 'sub/deeper'), { recursive: true });
    await writeFile(join(shared, 'sub/deeper/big.bin'), big);
    await writeFile(join(shared, 'exact.bin'), exact);
    await writeFile(join(shared, 'empty.txt'), '');
    const { index } = await open();

    const entry = index.require(sha(big));
    expect(entry.names).to.deep.equal(['sub/deeper/big.bin']);
    expect(entry.size).to.equal(big.length);
    expect(entry.chunkSize).to.equal(16 * 1024);
    expect(entry.chunkHashes).to.deep.equal(chunkHashes(big, 16 * 1024));
    expect(index.require(sha(exact)).chunkHashes).to.have.length(2);
    const empty = index.require(sha(Buffer.alloc(0)));
    expect(empty.size).to.equal(0);
    expect(empty.chunkHashes).to.deep.equal([]);
  });

  it('keeps one entry with two names for identical content', async () => {
    await writeFile(join(shared, 'a.txt'), 'same bytes');
    await writeFile(join(shared, 'b.txt'), 'same bytes');
    const { index } = await open();
    const { files, total } = index.list();
    expect(total).to.equal(1);
    expect(files[0]!.names).to.deep.equal(['a.txt', 'b.txt']);
    expect(index.stats().bytes).to.equal('same bytes'.length);
  });

  it('re-hashes nothing when restarted over an unchanged folder', async () => {
    for (let i = 0; i < 20; i++) await writeFile(join(shared, `f${i}.txt`), `content ${i}`);
    const first = await open();
    expect(first.index.hashedFiles).to.equal(20);
    await first.index.stop();
    indexes = [];

    const second = await open();
    expect(second.index.hashedFiles).to.equal(0);
    expect(second.index.list().total).to.equal(20);

    await writeFile(join(shared, 'f3.txt'), 'changed while stopped');
    await second.index.stop();
    indexes = [];
    const third = await open();
    expect(third.index.hashedFiles).to.equal(1);
  });

  /** The paths the hash cache on disk holds now. */
  async function cachedPaths(): Promise<string[]> {
    return [...(await readHashCache(join(dir, 'data'))).keys()].sort();
  }

  it('saves the files the daemon adds together, not the whole cache once per file, and on stop', async () => {
    await writeFile(join(shared, 'old.txt'), 'there at start');
    const first = await open({ saveIntervalMs: 60_000 });
    expect(await cachedPaths()).to.deep.equal(['old.txt']);
    const added = Array.from({ length: 10 }, (_, i) => `new-${i}.txt`);
    for (const [i, rel] of added.entries()) {
      await writeFile(join(shared, rel), `stored by the daemon ${i}`);
      expect(await first.index.indexPath(rel)).to.not.equal(undefined);
    }
    expect(first.index.list().total).to.equal(11);
    expect(await cachedPaths(), 'the cache right after the files were added').to.deep.equal([
      'old.txt',
    ]);
    await first.index.stop();
    indexes = [];
    expect(await cachedPaths()).to.deep.equal([...added, 'old.txt'].sort());
    const second = await open();
    expect(second.index.hashedFiles).to.equal(0);
    expect(second.index.list().total).to.equal(11);
  });

  it('saves the files added while it runs within saveIntervalMs', async () => {
    const { index } = await open({ saveIntervalMs: 200 });
    for (let i = 0; i < 5; i++) {
      await writeFile(join(shared, `f${i}.txt`), `content ${i}`);
      await index.indexPath(`f${i}.txt`);
    }
    await waitFor(async () => (await cachedPaths()).length === 5, {
      timeoutMs: 5000,
      what: 'the cache to hold the new files',
    });
  });

  it('skips temporary files, its own data folder and symlinks that leave the share', async () => {
    const outside = join(dir, 'outside.txt');
    await writeFile(outside, 'secret');
    await writeFile(join(shared, 'inside.txt'), 'public');
    await symlink(outside, join(shared, 'escape.txt'));
    await symlink(join(shared, 'inside.txt'), join(shared, 'alias.txt'));
    await writeFile(join(shared, 'movie.mkv.part'), 'partial');
    await writeFile(join(shared, '.#lock'), 'editor');
    await mkdir(join(shared, '.p2pd'));
    await writeFile(join(shared, '.p2pd', 'state.json'), '{}');
    const { index } = await open();
    const names = index.list().files.flatMap((f) => f.names);
    expect(names).to.deep.equal(['alias.txt', 'inside.txt']);
  });

  it('sees added, changed, renamed and deleted files within 2 seconds', async () => {
    const { index, seen } = await open({ watch: true });
    const within = { timeoutMs: 2000 };
    const has = (name: string) => index.list().files.find((f) => f.names.includes(name));

    await writeFile(join(shared, 'new.txt'), 'one');
    await waitFor(() => has('new.txt'), { ...within, what: 'add' });
    expect(seen.some((e) => e.type === 'file.added')).to.equal(true);

    await writeFile(join(shared, 'new.txt'), 'two!');
    await waitFor(() => has('new.txt')?.sha256 === sha(Buffer.from('two!')), {
      ...within,
      what: 'change',
    });
    expect(seen.some((e) => e.type === 'file.changed')).to.equal(true);

    await rename(join(shared, 'new.txt'), join(shared, 'renamed.txt'));
    await waitFor(() => has('renamed.txt') && !has('new.txt'), { ...within, what: 'rename' });

    await unlink(join(shared, 'renamed.txt'));
    await waitFor(() => index.list().total === 0, { ...within, what: 'delete' });
    expect(seen.some((e) => e.type === 'file.removed')).to.equal(true);
  });

  it('drops every file of a deleted folder', async () => {
    await mkdir(join(shared, 'album'));
    await writeFile(join(shared, 'album', '1.txt'), 'one');
    await writeFile(join(shared, 'album', '2.txt'), 'two');
    const { index } = await open({ watch: true });
    expect(index.list().total).to.equal(2);
    await rm(join(shared, 'album'), { recursive: true });
    await waitFor(() => index.list().total === 0, { timeoutMs: 2000, what: 'folder removal' });
  });

  it('finds files by keywords and pages through them', async () => {
    for (const name of ['Été à Paris.jpg', 'paris-notes.txt', 'london.jpg', 'PARIS/map.png']) {
      await mkdir(join(shared, name, '..'), { recursive: true });
      await writeFile(join(shared, name), name);
    }
    const { index } = await open();
    const names = (q: string) => index.list({ query: q }).files.map((f) => f.names[0]);
    expect(names('paris')).to.deep.equal(['PARIS/map.png', 'paris-notes.txt', 'Été à Paris.jpg']);
    expect(names('ete JPG')).to.deep.equal(['Été à Paris.jpg']);
    expect(names('paris london')).to.deep.equal([]);
    const page = index.list({ limit: 2, offset: 2 });
    expect(page.total).to.equal(4);
    expect(page.files).to.have.length(2);
  });
});

describe('indexing a large file', function () {
  this.timeout(60_000);
  let peer: TestPeer;

  afterEach(async () => peer?.stop());

  it('keeps REST responsive while a 200 MiB file is hashed', async () => {
    peer = await startPeer();
    const path = join(peer.shared, 'big.bin');
    // Written outside the share first, then moved in, so the watcher sees one complete file.
    const staging = join(peer.dir, 'big.bin');
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(staging);
      const block = randomBytes(1024 * 1024);
      let left = 200;
      const write = (): void => {
        while (left > 0) {
          left--;
          if (!out.write(block)) return void out.once('drain', write);
        }
        out.end(resolve);
      };
      out.on('error', reject);
      write();
    });
    await rename(staging, path);

    let answeredWhileIndexing = 0;
    let worst = 0;
    const deadline = Date.now() + 30_000;
    await waitFor(() => peer.daemon.index.stats().indexing, { what: 'hashing to start' });
    while (Date.now() < deadline) {
      const started = performance.now();
      const res = await fetch(`${peer.restUrl}/api/v1/status`);
      const status = (await res.json()) as { indexing: boolean; files: number };
      worst = Math.max(worst, performance.now() - started);
      if (!status.indexing) break;
      answeredWhileIndexing++;
    }
    expect(answeredWhileIndexing, 'requests answered during hashing').to.be.greaterThan(3);
    expect(worst, 'slowest status request (ms)').to.be.lessThan(1000);
    const content = await readFile(path);
    await waitFor(() => peer.daemon.index.get(sha(content)), { what: 'big file indexed' });
  });
});
