// The index's hashing threads: the same hashes as an inline pass, several
// files at once, a missing file reported as ENOENT, progress counted.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashPool, INLINE_BYTES } from '../../src/index/hash-pool.js';
import { hashFile } from '../../src/index/hasher.js';

const CHUNK = 1024 * 1024;

describe('hash pool', function () {
  this.timeout(60_000);
  let dir: string;
  const pool = new HashPool();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-hash-pool-'));
  });
  after(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('hashes big files on threads, in parallel, exactly as an inline pass does', async () => {
    const files = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const content = randomBytes(INLINE_BYTES + 12_345 * (i + 1));
        const path = join(dir, `big-${i}.bin`);
        await writeFile(path, content);
        return { path, content };
      }),
    );
    let progress = 0;
    const hashed = await Promise.all(
      files.map((f) => pool.hash(f.path, f.content.length, CHUNK, (n) => (progress += n))),
    );
    for (const [i, f] of files.entries()) {
      expect(hashed[i]!.sha256).to.equal(createHash('sha256').update(f.content).digest('hex'));
      expect(hashed[i]).to.deep.equal(await hashFile(f.path, CHUNK));
    }
    expect(progress).to.equal(files.reduce((n, f) => n + f.content.length, 0));
  });

  it('reports a file gone by ENOENT, from a thread as inline', async () => {
    const gone = join(dir, 'gone.bin');
    for (const size of [INLINE_BYTES * 2, 10]) {
      const err = await pool.hash(gone, size, CHUNK).then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e,
      );
      expect(err?.code).to.equal('ENOENT');
    }
  });
});
