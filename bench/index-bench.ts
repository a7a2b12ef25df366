// Index hashing throughput over a folder, beside a bare Node SHA-256 read of
// the same files and `sha256sum`, all in the same run with a warm page cache.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { EventBus } from '../src/events/bus.js';
import { FileIndex } from '../src/index/file-index.js';
import { Metrics } from '../src/metrics.js';
import { MiB, envInt, type Bench, type BenchRow } from './table.js';

const run = promisify(execFile);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

export const indexBench: Bench = {
  name: 'index',
  describe: 'hashing a folder (BENCH_INDEX_MIB, default 1024, in 64 MiB files)',
  async run(): Promise<BenchRow[]> {
    const totalMiB = envInt('BENCH_INDEX_MIB', 1024);
    const dir = await mkdtemp(join(tmpdir(), 'p2pd-bench-index-'));
    const shared = join(dir, 'shared');
    await mkdir(shared);
    try {
      const block = randomBytes(MiB);
      for (let left = totalMiB, i = 0; left > 0; i++) {
        const mib = Math.min(64, left);
        await writeFile(
          join(shared, `f${i}.bin`),
          Buffer.concat(Array(mib).fill(block) as Buffer[]),
        );
        left -= mib;
      }
      const files = (await readdir(shared)).map((f) => join(shared, f));

      const sha256sum = await timed(() => run('sha256sum', files, { maxBuffer: 1 << 20 }));
      const bare = await timed(async () => {
        for (const file of files) {
          const hash = createHash('sha256');
          for await (const piece of createReadStream(file, { highWaterMark: MiB }))
            hash.update(piece as Buffer);
          hash.digest('hex');
        }
      });
      const index = new FileIndex(
        {
          events: new EventBus({ peerId: 'bench' }),
          metrics: new Metrics(),
          logger: pino({ level: 'silent' }),
        },
        { sharedDir: shared, dataDir: join(dir, 'data'), chunkSize: MiB, watch: false },
      );
      const indexed = await timed(async () => {
        await index.start();
        await index.whenIdle();
      });
      await index.stop();

      const rate = (s: number): number => totalMiB / s;
      return [
        {
          what: 'sha256sum',
          MiB: totalMiB,
          seconds: sha256sum,
          'MiB/s': rate(sha256sum),
          'vs bare node': bare / sha256sum,
        },
        {
          what: 'bare node sha256 read',
          MiB: totalMiB,
          seconds: bare,
          'MiB/s': rate(bare),
          'vs bare node': 1,
        },
        {
          what: 'p2pd index (file + chunk hashes)',
          MiB: totalMiB,
          seconds: indexed,
          'MiB/s': rate(indexed),
          'vs bare node': bare / indexed,
        },
      ];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
