// The hash cache on disk: a snapshot and a journal of the changes since, so a
// file added costs a line, not a rewrite of every record; what a crash leaves
// (a torn line, a journal of an older snapshot) loses only those records.
import { expect } from 'chai';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashCache, type CachedFile } from '../../src/index/cache.js';
import { readHashCache } from '../fixtures/hash-cache.js';

function record(i: number): CachedFile {
  return {
    size: i,
    mtimeMs: 1_700_000_000_000 + i,
    ino: 1000 + i,
    chunkSize: 262_144,
    sha256: i.toString(16).padStart(64, '0'),
    chunkHashes: [i.toString(16).padStart(64, 'f')],
  };
}

function records(n: number, from = 0): Map<string, CachedFile> {
  return new Map(
    Array.from({ length: n }, (_, i) => [`dir/file-${from + i}.txt`, record(from + i)]),
  );
}

describe('HashCache (snapshot and journal)', () => {
  let dir: string;
  const snapshot = (): string => join(dir, 'index-cache.json');
  const journal = (): string => join(dir, 'index-cache.journal');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-hash-cache-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('adds a change as a line: the snapshot of 20 000 records is not written again', async () => {
    const all = records(20_000);
    const cache = new HashCache(dir);
    await cache.save(all);
    const before = await stat(snapshot());
    const journalBefore = (await stat(journal())).size;

    all.set('new.txt', record(99_999));
    all.delete('dir/file-7.txt');
    const changes = new Map([
      ['new.txt', all.get('new.txt')],
      ['dir/file-7.txt', undefined],
    ]);
    await cache.update(changes, () => all);
    const after = await stat(snapshot());
    const grown = (await stat(journal())).size - journalBefore;
    console.log(
      `      snapshot ${before.size} bytes untouched; one added and one removed record: +${grown} journal bytes`,
    );
    expect(after.mtimeMs).to.equal(before.mtimeMs);
    expect(after.ino).to.equal(before.ino);
    expect(grown).to.be.within(1, 1000);

    const loaded = await new HashCache(dir).load();
    expect(loaded).to.deep.equal(all);
    expect([...(await readHashCache(dir)).keys()].sort()).to.deep.equal([...all.keys()].sort());
  });

  it('folds the journal into a new snapshot once it outgrows the snapshot', async () => {
    const all = records(100);
    const cache = new HashCache(dir);
    await cache.save(all);
    const first = (await readFile(journal(), 'utf8')).split('\n')[0];
    let largest = 0;
    for (let i = 0; i < 5000; i++) {
      const rel = `added/${i}.txt`;
      all.set(rel, record(i));
      await cache.update(new Map([[rel, all.get(rel)]]), () => all);
      largest = Math.max(largest, (await stat(journal())).size);
    }
    const snapshotBytes = (await stat(snapshot())).size;
    console.log(
      `      5000 single updates: journal at most ${largest} bytes, snapshot ${snapshotBytes} bytes`,
    );
    expect((await readFile(journal(), 'utf8')).split('\n')[0]).to.not.equal(first);
    expect(largest).to.be.at.most(Math.max(1024 * 1024, snapshotBytes) + 1000);
    expect(await new HashCache(dir).load()).to.deep.equal(all);
  });

  it('keeps the lines before a torn one and ignores the rest', async () => {
    const all = records(10);
    const cache = new HashCache(dir);
    await cache.save(all);
    await cache.update(new Map([['a.txt', record(100)]]), () => all);
    await cache.update(new Map([['b.txt', record(101)]]), () => all);
    const text = await readFile(journal(), 'utf8');
    // The last line cut short, as a crash in the middle of an append leaves it.
    await writeFile(journal(), text.slice(0, text.length - 20));
    await appendFile(journal(), '\n{"p":"c.txt","r":{"size":1}}\n');
    const loaded = await new HashCache(dir).load();
    expect(loaded.get('a.txt')).to.deep.equal(record(100));
    expect(loaded.has('b.txt')).to.equal(false);
    expect(loaded.has('c.txt')).to.equal(false);
    expect(loaded.size).to.equal(11);
  });

  it('ignores a journal of another snapshot, and appends to none it did not load', async () => {
    const cache = new HashCache(dir);
    await cache.save(records(5));
    await cache.update(new Map([['gone.txt', record(50)]]), () => records(5));
    const oldJournal = await readFile(journal(), 'utf8');
    await cache.save(records(3));
    // A crash between the two replacements: the new snapshot beside the old journal.
    await writeFile(journal(), oldJournal);
    const reopened = new HashCache(dir);
    const loaded = await reopened.load();
    expect([...loaded.keys()].sort()).to.deep.equal([...records(3).keys()].sort());

    // Not appended to: the next change writes every record, with a journal of its own.
    const now = records(4);
    await reopened.update(new Map([['dir/file-3.txt', record(3)]]), () => now);
    expect(await new HashCache(dir).load()).to.deep.equal(now);
    expect(await readFile(journal(), 'utf8')).to.not.include('gone.txt');
  });

  it('reads a snapshot of an earlier version (no journal) and starts a journal on the next change', async () => {
    await writeFile(
      snapshot(),
      JSON.stringify({ version: 1, files: Object.fromEntries(records(3)) }),
    );
    const cache = new HashCache(dir);
    expect(await cache.load()).to.deep.equal(records(3));
    const now = records(4);
    await cache.update(new Map([['dir/file-3.txt', record(3)]]), () => now);
    expect(await new HashCache(dir).load()).to.deep.equal(now);
    await cache.update(new Map([['x.txt', record(9)]]), () => now);
    now.set('x.txt', record(9));
    expect(await new HashCache(dir).load()).to.deep.equal(now);
  });
});
