// A fetch's chunk thread on real files: chunks checked, written (direct I/O
// or plain) in any order, the whole-file digest, and buffers moved to the
// thread rather than copied when they may be, each starting on a page.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { closeSync, constants } from 'node:fs';
import { mkdtemp, open, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkMap } from '../../src/transfer/chunk-map.js';
import {
  ChunkThread,
  endSpareChunkThreads,
  spareChunkThreads,
  type ChunkSlot,
  type ChunkThreadInit,
} from '../../src/transfer/chunk-thread.js';
import { DIRECT_BLOCK, findAlignedOffset, openDirect } from '../../src/transfer/direct-io.js';
import { waitFor } from '../fixtures/peers.js';
import { KiB, chunkHashesOf, osThreads, randomContent, sha256Of } from './helpers.js';

const CHUNK = 64 * KiB;
const chunkThreadModule = new URL('../../src/transfer/chunk-thread.js', import.meta.url).href;

/**
 * Runs node with `args` to its end; what it printed. Into a file: V8's own
 * prints, through a pipe, were now and then cut short at exit.
 */
async function runNode(args: string[], outPath: string): Promise<string> {
  const out = await open(outPath, 'w');
  try {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', out.fd, out.fd],
      timeout: 20_000,
    });
    await new Promise((resolve, reject) => child.once('exit', resolve).once('error', reject));
  } finally {
    await out.close();
  }
  return readFile(outPath, 'utf8');
}

describe('chunk thread', () => {
  let dir: string;
  const threads: ChunkThread[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-chunks-'));
  });

  afterEach(async () => {
    await Promise.all(threads.splice(0).map((t) => t.close()));
    await rm(dir, { recursive: true, force: true });
  });

  /** A partial file of `content`'s size (holes), and a thread for it. */
  async function start(
    content: Buffer,
    options: { chunkSize?: number; directIo?: boolean; onDisk?: ChunkMap; slots?: number } = {},
  ): Promise<{ thread: ChunkThread; path: string }> {
    const chunkSize = options.chunkSize ?? CHUNK;
    const path = join(dir, `partial-${threads.length}`);
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT);
    await handle.truncate(content.length);
    await handle.close();
    const hashes = chunkHashesOf(content, chunkSize);
    const thread = new ChunkThread({
      path,
      size: content.length,
      chunkSize,
      chunkHashes: hashes,
      onDisk: (options.onDisk ?? new ChunkMap(hashes.length)).toBase64(),
      directIo: options.directIo ?? true,
      slots: options.slots ?? 4,
    });
    threads.push(thread);
    return { thread, path };
  }

  const chunkOf = (content: Buffer, i: number, size = CHUNK): Buffer =>
    Buffer.from(content.subarray(i * size, (i + 1) * size));

  /** The open-file flags of each descriptor this process holds on `path` (Linux's /proc). */
  async function openFlags(path: string): Promise<number[]> {
    const flags: number[] = [];
    for (const fd of await readdir('/proc/self/fd')) {
      const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
      if (target !== path) continue;
      const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
      flags.push(parseInt(/flags:\s+(\d+)/.exec(info)?.[1] ?? '0', 8));
    }
    return flags;
  }

  const openedDirect = async (path: string): Promise<boolean> =>
    (await openFlags(path)).some((f) => (f & constants.O_DIRECT) !== 0);

  for (const directIo of [true, false]) {
    it(`writes chunks in any order and hashes the whole file (directIo ${directIo})`, async () => {
      // Five whole chunks and a short last one that no block size divides.
      const content = randomContent(5 * CHUNK + 1000);
      const { thread, path } = await start(content, { directIo });
      for (const i of [2, 0, 5, 4, 1, 3]) {
        expect(await thread.store(i, chunkOf(content, i))).to.equal(true);
      }
      expect(await openedDirect(path)).to.equal(directIo);
      expect(await thread.digest()).to.equal(sha256Of(content));
      expect(sha256Of(await readFile(path))).to.equal(sha256Of(content));
    });
  }

  it('boots before its file is known and works on it once started', async () => {
    const thread = new ChunkThread();
    threads.push(thread);
    // The file is made only now, as a fetch makes it once the metadata is in.
    const content = randomContent(3 * CHUNK + 10);
    const path = join(dir, 'partial-late');
    await writeFile(path, Buffer.alloc(content.length));
    thread.start(initFor(path, content));
    for (const i of [3, 1, 0, 2]) expect(await thread.store(i, chunkOf(content, i))).to.equal(true);
    expect(await thread.digest()).to.equal(sha256Of(content));
    expect(() => thread.start(initFor(path, content))).to.throw(/started twice/);
  });

  it('keeps a thread closed without ever being started for the next one, until told to end it', async () => {
    await endSpareChunkThreads();
    const before = await osThreads();
    const thread = new ChunkThread();
    expect(await osThreads()).to.be.above(before);
    const started = Date.now();
    await thread.close();
    // Not the close timeout's 10 s: an unstarted thread has no file to wait for.
    expect(Date.now() - started).to.be.below(2000);
    expect(spareChunkThreads()).to.equal(1);
    await endSpareChunkThreads();
    expect(spareChunkThreads()).to.equal(0);
    await waitFor(async () => (await osThreads()) <= before, { what: 'the thread gone' });
  });

  it('hands a thread closed with stores still waiting for slots to the next fetch, none of them reaching it', async () => {
    await endSpareChunkThreads();
    const first = randomContent(64 * CHUNK);
    const one = await start(first, { slots: 2 });
    // More stores than slots: most wait for one while the close goes out, and each
    // answer frees a slot for the next.
    const stores = Array.from({ length: 64 }, (_, i) => i).map((i) =>
      one.thread.store(i, chunkOf(first, i)).catch((err: Error) => err),
    );
    await one.thread.close();
    const refused = (await Promise.all(stores)).filter((r) => r instanceof Error);
    expect(refused.length).to.be.above(0);
    // Stores that were waiting went out after the close: the kept thread must survive them.
    await new Promise((r) => setTimeout(r, 300));
    expect(spareChunkThreads()).to.equal(1);
    const second = randomContent(3 * CHUNK);
    const two = await start(second);
    expect(spareChunkThreads()).to.equal(0);
    for (const i of [2, 0, 1]) expect(await two.thread.store(i, chunkOf(second, i))).to.equal(true);
    expect(await two.thread.digest()).to.equal(sha256Of(second));
  });

  it('works on file after file in one thread, each from a clean start', async () => {
    await endSpareChunkThreads();
    const first = randomContent(3 * CHUNK + 10);
    const one = await start(first);
    for (const i of [2, 0, 3, 1])
      expect(await one.thread.store(i, chunkOf(first, i))).to.equal(true);
    expect(await one.thread.digest()).to.equal(sha256Of(first));
    // A check of the first file still running when it closes answers nothing to the next fetch.
    void one.thread.check([0, 1, 2, 3]).catch(() => undefined);
    await one.thread.close();
    expect(spareChunkThreads()).to.equal(1);
    const threadsBefore = await osThreads();
    // The next file: smaller, other chunks, written plainly, one chunk already on disk.
    const second = randomContent(2 * CHUNK);
    const onDisk = new ChunkMap(2);
    onDisk.set(1);
    const two = await start(second, { directIo: false, onDisk, slots: 2 });
    await writeFile(two.path, Buffer.concat([Buffer.alloc(CHUNK), chunkOf(second, 1)]));
    expect(spareChunkThreads()).to.equal(0);
    expect(await osThreads()).to.equal(threadsBefore);
    expect(await two.thread.store(0, chunkOf(second, 0))).to.equal(true);
    expect(await two.thread.digest()).to.equal(sha256Of(second));
    expect(await readFile(two.path)).to.deep.equal(second);
    expect(await openFlags(one.path)).to.deep.equal([]);
  });

  /** A thread's start for a partial file of `content`'s size, nothing on disk yet. */
  function initFor(path: string, content: Buffer): ChunkThreadInit {
    const chunkHashes = chunkHashesOf(content, CHUNK);
    const onDisk = new ChunkMap(chunkHashes.length).toBase64();
    return {
      path,
      size: content.length,
      chunkSize: CHUNK,
      chunkHashes,
      onDisk,
      directIo: true,
      slots: 2,
    };
  }

  it('closes the file when stopped before the end, with writes in flight', async () => {
    const content = randomContent(4 * CHUNK);
    const { thread, path } = await start(content);
    expect(await thread.store(0, chunkOf(content, 0))).to.equal(true);
    expect(await openFlags(path)).to.have.length(2);
    const late = thread.store(1, chunkOf(content, 1)).catch(() => 'stopped');
    await thread.close();
    await late;
    expect(await openFlags(path)).to.deep.equal([]);
  });

  it('rejects a store whose write the disk refuses, with the reason', async () => {
    // /dev/full: every write fails with ENOSPC, as a full disk's would.
    const content = randomContent(2 * CHUNK);
    const thread = new ChunkThread({
      path: '/dev/full',
      size: content.length,
      chunkSize: CHUNK,
      chunkHashes: chunkHashesOf(content, CHUNK),
      onDisk: new ChunkMap(2).toBase64(),
      directIo: true,
      slots: 2,
    });
    threads.push(thread);
    const err = await thread.store(0, chunkOf(content, 0)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).to.equal('InternalError');
    expect(err?.message).to.match(/ENOSPC/);
  });

  it('refuses a chunk that does not match its hash and writes nothing of it', async () => {
    const content = randomContent(3 * CHUNK);
    const { thread, path } = await start(content);
    const wrong = chunkOf(content, 1);
    wrong[100] = wrong[100]! ^ 0xff;
    expect(await thread.store(1, wrong)).to.equal(false);
    expect((await readFile(path)).subarray(CHUNK, 2 * CHUNK).equals(Buffer.alloc(CHUNK))).to.equal(
      true,
    );
    for (const i of [0, 1, 2]) expect(await thread.store(i, chunkOf(content, i))).to.equal(true);
    expect(await thread.digest()).to.equal(sha256Of(content));
  });

  for (const directIo of [true, false]) {
    it(`writes a chunk unchecked when asked, and finds it wrong when checked from the disk (directIo ${directIo})`, async () => {
      const content = randomContent(4 * CHUNK + 500);
      const { thread } = await start(content, { directIo });
      const wrong = chunkOf(content, 2);
      wrong[7] = wrong[7]! ^ 0x01;
      for (const i of [0, 1, 3, 4]) {
        expect(await thread.store(i, chunkOf(content, i), false)).to.equal(true);
      }
      expect(await thread.store(2, wrong, false), 'written unchecked').to.equal(true);
      expect(await thread.digest()).to.not.equal(sha256Of(content));
      expect(await thread.check([0, 1, 2, 3, 4])).to.deep.equal([2]);
      expect(await thread.check([4, 0])).to.deep.equal([]);
    });
  }

  it('hashes chunks a previous run left on disk, read back past the page cache', async () => {
    const content = randomContent(4 * CHUNK);
    const onDisk = new ChunkMap(4);
    const path = join(dir, `partial-${threads.length}`);
    const handle = await open(path, 'w');
    await handle.write(content.subarray(0, 2 * CHUNK), 0, 2 * CHUNK, 0);
    await handle.close();
    onDisk.set(0);
    onDisk.set(1);
    const { thread } = await start(content, { onDisk });
    expect(await thread.store(3, chunkOf(content, 3))).to.equal(true);
    expect(await thread.store(2, chunkOf(content, 2))).to.equal(true);
    expect(await thread.digest()).to.equal(sha256Of(content));
    expect(sha256Of(await readFile(path))).to.equal(sha256Of(content));
  });

  for (const directIo of [true, false]) {
    it(`hashes chunks that came in reverse, most read back from the disk, in file order (directIo ${directIo})`, async () => {
      const content = randomContent(24 * CHUNK + 1000);
      // Four slots: three of the early chunks are kept, the other 21 are read back.
      const { thread, path } = await start(content, { directIo });
      for (let i = 24; i >= 0; i--) {
        expect(await thread.store(i, chunkOf(content, i))).to.equal(true);
      }
      expect(await thread.digest()).to.equal(sha256Of(content));
      expect(sha256Of(await readFile(path))).to.equal(sha256Of(content));
    });
  }

  it('fails the digest with the reason when a chunk it reads back is not on the disk', async () => {
    const content = randomContent(8 * CHUNK);
    // A previous run said all eight were on disk; the file holds three.
    const onDisk = new ChunkMap(8);
    for (let i = 0; i < 8; i++) onDisk.set(i);
    const { thread, path } = await start(content, { onDisk });
    await writeFile(path, content.subarray(0, 3 * CHUNK));
    const failed = await thread.digest().then(
      () => undefined,
      (err: Error) => err,
    );
    expect(failed?.message).to.match(/ends inside chunk 3/);
  });

  it('lends slots to fill, waits while all are taken, and frees one stored or released', async () => {
    const content = randomContent(4 * CHUNK);
    const { thread } = await start(content, { slots: 2 });
    const a = await thread.lease();
    const b = await thread.lease();
    expect(a.buffer.length).to.equal(CHUNK);
    expect(a.slot).to.not.equal(b.slot);
    let third: ChunkSlot | undefined;
    const waiting = thread.lease().then((s) => (third = s));
    await new Promise((r) => setImmediate(r));
    expect(third, 'no slot is free').to.equal(undefined);
    chunkOf(content, 0).copy(a.buffer);
    expect(await thread.storeSlot(0, a, CHUNK)).to.equal(true);
    await waiting;
    expect(third!.slot).to.equal(a.slot);
    thread.release(b);
    const again = await thread.lease();
    expect(again.slot).to.equal(b.slot);
    chunkOf(content, 1).copy(again.buffer);
    chunkOf(content, 2).copy(third!.buffer);
    expect(await thread.storeSlot(1, again, CHUNK)).to.equal(true);
    expect(await thread.storeSlot(2, third!, CHUNK)).to.equal(true);
    expect(await thread.store(3, chunkOf(content, 3))).to.equal(true);
    expect(await thread.digest()).to.equal(sha256Of(content));
  });

  it('lends slots that start on a page boundary, which direct writes on virtual disks need', async () => {
    // Node shows no buffer's address; V8's %DebugPrint does, in a process allowed natives syntax.
    const content = randomContent(4 * CHUNK);
    const path = join(dir, 'partial');
    await writeFile(path, Buffer.alloc(content.length));
    const init = {
      path,
      size: content.length,
      chunkSize: CHUNK,
      chunkHashes: chunkHashesOf(content, CHUNK),
      onDisk: new ChunkMap(4).toBase64(),
      directIo: true,
      slots: 3,
    };
    const script = `
      const { ChunkThread } = await import(${JSON.stringify(chunkThreadModule)});
      const thread = new ChunkThread(${JSON.stringify(init)});
      for (let i = 0; i < 3; i++) %DebugPrint((await thread.lease()).buffer);
      await thread.close();
    `;
    const scriptPath = join(dir, 'lease.mjs');
    await writeFile(scriptPath, script);
    const out = await runNode(['--allow-natives-syntax', scriptPath], join(dir, 'printed'));
    const addresses = [...out.matchAll(/data_ptr: 0x([0-9a-f]+)/g)].map((m) => BigInt(`0x${m[1]}`));
    expect(addresses, out).to.have.length(3);
    for (const address of addresses) expect(Number(address % 4096n)).to.equal(0);
  });

  it('finds the offset of a buffer that direct writes accept, leaving the file as it was', async () => {
    const path = join(dir, 'probe');
    const content = randomContent(2 * DIRECT_BLOCK);
    const handle = await open(path, 'w');
    await handle.write(content);
    await handle.close();
    const direct = openDirect(path);
    expect(direct, 'direct I/O on the test folder').to.be.a('number');
    const plain = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(3 * DIRECT_BLOCK);
      const at = findAlignedOffset(direct!, plain.fd, buffer);
      expect(at).to.be.a('number');
      expect(at! % 16).to.equal(0);
      expect((await readFile(path)).equals(content)).to.equal(true);
    } finally {
      await plain.close();
      closeSync(direct!);
    }
  });
});
