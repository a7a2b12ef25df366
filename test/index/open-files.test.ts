import { expect } from 'chai';
import { mkdtemp, readdir, readlink, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenFiles, type ReadableFile } from '../../src/index/open-files.js';
import { statShared, type FoundFile } from '../../src/index/scanner.js';
import { waitFor } from '../fixtures/peers.js';

/** Descriptors this process has open on `path`. */
async function descriptorsOn(path: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) n++;
  }
  return n;
}

async function readAll(file: ReadableFile, size: number): Promise<string> {
  const buffer = Buffer.alloc(size);
  const { bytesRead } = await file.read(buffer, 0, size, 0);
  return buffer.subarray(0, bytesRead).toString();
}

describe('OpenFiles (descriptors shared by Download requests)', () => {
  let dir: string;
  const found = async (rel: string): Promise<FoundFile> => (await statShared(dir, rel))!;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-open-files-'));
    await writeFile(join(dir, 'a.txt'), 'first version');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lends one descriptor to every request for an unchanged file, and closes it once idle', async () => {
    // Idle for long enough that scanning /proc for descriptors on a busy machine cannot outlast it.
    const files = new OpenFiles({ idleMs: 2000, max: 8 });
    const path = join(dir, 'a.txt');
    const [one, two] = await Promise.all([
      files.open(await found('a.txt')),
      files.open(await found('a.txt')),
    ]);
    const three = await files.open(await found('a.txt'));
    expect(await descriptorsOn(path)).to.equal(1);
    expect(files.stats).to.deep.equal({ files: 1, readers: 3 });
    expect(await readAll(three, 64)).to.equal('first version');
    await Promise.all([one.close(), two.close(), three.close(), three.close()]);
    expect(files.stats).to.deep.equal({ files: 1, readers: 0 });
    // Kept while another request may come...
    expect(await descriptorsOn(path)).to.equal(1);
    const again = await files.open(await found('a.txt'));
    await again.close();
    expect(await descriptorsOn(path)).to.equal(1);
    // ...and closed once nobody asked for idleMs.
    await waitFor(async () => (await descriptorsOn(path)) === 0, {
      timeoutMs: 10_000,
      what: 'idle close',
    });
    expect(files.stats.files).to.equal(0);
  });

  it('never lends a descriptor for a file that was replaced or changed since', async () => {
    const files = new OpenFiles({ idleMs: 60_000, max: 8 });
    const path = join(dir, 'a.txt');
    const old = await files.open(await found('a.txt'));
    // Replaced by rename, as editors and downloads do: the old descriptor reads the old inode.
    await writeFile(join(dir, 'new.tmp'), 'second version!');
    await rename(join(dir, 'new.tmp'), path);
    const fresh = await files.open(await found('a.txt'));
    expect(await readAll(fresh, 64)).to.equal('second version!');
    expect(await readAll(old, 64)).to.equal('first version');
    await old.close(); // the replaced inode's descriptor goes with its last reader
    await fresh.close();
    expect(await descriptorsOn(path)).to.equal(1);
    // Changed in place (same inode, another mtime): opened anew, the old descriptor closed.
    await utimes(path, new Date(), new Date(Date.now() - 60_000));
    const touched = await files.open(await found('a.txt'));
    await waitFor(async () => (await descriptorsOn(path)) === 1, {
      timeoutMs: 5000,
      what: 'old closed',
    });
    expect(files.stats).to.deep.equal({ files: 1, readers: 1 });
    await touched.close();
    await files.closeAll();
    expect(await descriptorsOn(path)).to.equal(0);
  });

  it('keeps at most `max` descriptors, closing the longest idle to make room', async () => {
    const files = new OpenFiles({ idleMs: 60_000, max: 2 });
    for (const name of ['b.txt', 'c.txt', 'd.txt']) await writeFile(join(dir, name), name);
    const b = await files.open(await found('b.txt'));
    await b.close();
    const c = await files.open(await found('c.txt'));
    const d = await files.open(await found('d.txt')); // b was idle: it made room
    expect(await descriptorsOn(join(dir, 'b.txt'))).to.equal(0);
    expect(files.stats).to.deep.equal({ files: 2, readers: 2 });
    // Both kept ones in use: a fourth file is opened for its request only.
    const e = await files.open(await found('a.txt'));
    expect(files.stats.files).to.equal(2);
    await e.close();
    expect(await descriptorsOn(join(dir, 'a.txt'))).to.equal(0);
    await Promise.all([c.close(), d.close()]);
    await files.closeAll();
  });

  it('after closeAll, closes what readers still use once they are done, and keeps nothing new', async () => {
    const files = new OpenFiles({ idleMs: 60_000, max: 8 });
    const path = join(dir, 'a.txt');
    const reading = await files.open(await found('a.txt'));
    await files.closeAll();
    expect(await readAll(reading, 64)).to.equal('first version');
    expect(await descriptorsOn(path)).to.equal(1);
    await reading.close();
    expect(await descriptorsOn(path)).to.equal(0);
    const late = await files.open(await found('a.txt'));
    expect(files.stats.files).to.equal(0);
    await late.close();
    expect(await descriptorsOn(path)).to.equal(0);
  });

  it('refuses a file that vanished between the stat and the open', async () => {
    const files = new OpenFiles({ idleMs: 60_000, max: 8 });
    const stale = await found('a.txt');
    await rm(join(dir, 'a.txt'));
    const err = await files.open(stale).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).to.equal('ENOENT');
    expect(files.stats.files).to.equal(0);
  });
});
