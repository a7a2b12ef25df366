// Untrusted metadata checks, voting between versions, names, chunk maps, the partial store.
import { expect } from 'chai';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { InvalidArgumentError } from '../../src/errors.js';
import { ChunkMap } from '../../src/transfer/chunk-map.js';
import { PartialStore } from '../../src/transfer/partial-store.js';
import {
  EMPTY_SHA256,
  checkRemoteInfo,
  pickFileName,
  rankCandidates,
} from '../../src/transfer/metadata.js';
import type { RemoteFileInfo } from '../../src/transfer/transport.js';
import { KiB, chunkHashesOf, randomContent, sha256Of } from './helpers.js';

describe('transfer: metadata checks', () => {
  const content = randomContent(100 * KiB);
  const sha256 = sha256Of(content);
  const honest = {
    sha256,
    names: ['a.bin'],
    size: content.length,
    chunkSize: 32 * KiB,
    chunkHashes: chunkHashesOf(content, 32 * KiB),
  };

  it('accepts consistent metadata', () => {
    expect(checkRemoteInfo(honest, sha256).chunkHashes).to.have.length(4);
    expect(
      checkRemoteInfo({ ...honest, sha256: EMPTY_SHA256, size: 0, chunkHashes: [] }, EMPTY_SHA256)
        .size,
    ).to.equal(0);
  });

  const cases: [string, RemoteFileInfo][] = [
    ['another hash', { ...honest, sha256: 'b'.repeat(64) }],
    ['a negative size', { ...honest, size: -1 }],
    ['a fractional size', { ...honest, size: 1.5 }],
    ['a zero chunk size', { ...honest, chunkSize: 0 }],
    ['a huge chunk size', { ...honest, chunkSize: 1024 * 1024 * 1024 }],
    ['too few chunk hashes', { ...honest, chunkHashes: honest.chunkHashes.slice(1) }],
    ['too many chunk hashes', { ...honest, chunkHashes: [...honest.chunkHashes, 'a'.repeat(64)] }],
    ['a malformed chunk hash', { ...honest, chunkHashes: ['xyz', ...honest.chunkHashes.slice(1)] }],
    ['an empty file under a non-empty hash', { ...honest, size: 0, chunkHashes: [] }],
  ];
  for (const [label, info] of cases) {
    it(`refuses metadata with ${label}`, () => {
      expect(() => checkRemoteInfo(info, sha256)).to.throw(InvalidArgumentError);
    });
  }

  it('ranks the version most sources vouch for first', () => {
    const meta = checkRemoteInfo(honest, sha256);
    const lie = { ...meta, chunkHashes: [...meta.chunkHashes].reverse() };
    const ranked = rankCandidates(
      [
        { address: 'liar:1', meta: lie },
        { address: 'a:1', meta },
        { address: 'b:1', meta },
      ],
      64 * KiB,
    );
    expect(ranked.map((c) => c.vouchers)).to.deep.equal([['a:1', 'b:1'], ['liar:1']]);
  });

  it('picks the base name most sources give, else the hash', () => {
    expect(pickFileName([['x/song.mp3'], ['y/song.mp3'], ['other.mp3']], sha256)).to.equal(
      'song.mp3',
    );
    expect(pickFileName([['../evil', '/etc/passwd', 'a\0b']], sha256)).to.equal(sha256);
    expect(pickFileName([], sha256)).to.equal(sha256);
  });

  it('counts each source once, for its first usable name', () => {
    const liar = Array<string>(16).fill('invoice.pdf.exe');
    expect(pickFileName([liar, ['dataset.bin'], ['d/dataset.bin']], sha256)).to.equal(
      'dataset.bin',
    );
    expect(pickFileName([['../bad', 'ok.txt', 'other.txt'], ['other.txt']], sha256)).to.equal(
      'ok.txt',
    );
  });

  it('round-trips a chunk map through base64', () => {
    const map = new ChunkMap(21);
    for (const i of [0, 7, 8, 20]) map.set(i);
    const copy = ChunkMap.fromBase64(21, map.toBase64());
    expect([...copy.indexes()]).to.deep.equal([0, 7, 8, 20]);
    expect(copy.size).to.equal(4);
    copy.unset(7);
    expect(copy.has(7)).to.equal(false);
    expect(copy.size).to.equal(3);
  });
});

describe('transfer: partial store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-partial-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps readable states and drops broken ones and orphans with their data', async () => {
    const store = new PartialStore(dir, pino({ level: 'silent' }));
    const good = 'a'.repeat(64);
    const bad = 'b'.repeat(64);
    const orphan = 'c'.repeat(64);
    await store.save({
      version: 1,
      id: 'f-000000000001',
      sha256: good,
      name: 'x.bin',
      note: '',
      sources: ['127.0.0.1:1'],
      verified: '',
      createdAt: 1,
    });
    const partial = join(dir, 'partial');
    await writeFile(join(partial, `${good}.part`), 'data');
    await writeFile(join(partial, `${bad}.json`), '{ not json');
    await writeFile(join(partial, `${bad}.part`), 'data');
    await writeFile(join(partial, `${orphan}.part`), 'data');
    await writeFile(join(partial, `${good}.json.tmp`), 'half');
    const states = await store.list();
    expect(states.map((s) => s.sha256)).to.deep.equal([good]);
    expect((await readdir(partial)).sort()).to.deep.equal([`${good}.json`, `${good}.part`]);
  });

  it('runs saves and removals of one hash in call order, none failing another', async () => {
    const store = new PartialStore(dir, pino({ level: 'silent' }));
    const sha = 'd'.repeat(64);
    const state = (id: string) => ({
      version: 1 as const,
      id,
      sha256: sha,
      name: 'y.bin',
      note: '',
      sources: [],
      verified: '',
      createdAt: 1,
    });
    await store.save(state('f-000000000001'));
    // A failed fetch's cleanup and the next fetch of the same hash, not awaited in between.
    const rounds = 50;
    const ops: Promise<void>[] = [];
    for (let i = 0; i < rounds; i++) {
      ops.push(store.remove(sha), store.save(state(`f-${String(i + 2).padStart(12, '0')}`)));
    }
    const results = await Promise.allSettled(ops);
    expect(results.filter((r) => r.status === 'rejected')).to.deep.equal([]);
    const states = await store.list();
    expect(states.map((s) => s.id)).to.deep.equal([`f-${String(rounds + 1).padStart(12, '0')}`]);
  });
});
