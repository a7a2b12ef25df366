// RSS of a real p2pd process (bin/p2pd): idle with an empty share, and with
// BENCH_MEMORY_FILES (default 10 000) small files indexed; read 2 s after it
// is ready and again once it has settled.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../test/fixtures/peers.js';
import { startDaemon } from './daemons.js';
import { MiB, envInt, type Bench, type BenchRow } from './table.js';

/** Time after ready at which the settled RSS is read. */
const SETTLE_MS = 15_000;

async function measure(files: number): Promise<BenchRow> {
  const dir = await mkdtemp(join(tmpdir(), 'p2pd-bench-mem-'));
  const id = `mem${files}`;
  const shared = join(dir, id, 'shared');
  await mkdir(shared, { recursive: true });
  for (let i = 0; i < files; i += 100) {
    const sub = join(shared, `d${i / 100}`);
    await mkdir(sub);
    await Promise.all(
      Array.from({ length: Math.min(100, files - i) }, (_, j) =>
        writeFile(join(sub, `file-${i + j}-song.txt`), `content ${i + j}`),
      ),
    );
  }
  const started = performance.now();
  const daemon = await startDaemon(dir, id, { index: { watch: false, rescanIntervalMs: 0 } });
  try {
    await waitFor(
      async () => {
        const res = await fetch(`http://${daemon.restAddress}/api/v1/status`).catch(
          () => undefined,
        );
        if (!res?.ok) return false;
        const s = (await res.json()) as { files: number; indexing: boolean };
        return s.files === files && !s.indexing;
      },
      { timeoutMs: 600_000, intervalMs: 200, what: `${files} files indexed` },
    );
    const readySeconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const early = await daemon.rss();
    // Startup garbage goes when V8's memory reducer runs, some 8-10 s after the last allocations.
    await new Promise((r) => setTimeout(r, SETTLE_MS - 2000));
    return {
      what: files === 0 ? 'idle peer, empty share' : `peer with ${files} files indexed`,
      'ready s': readySeconds,
      'RSS MiB 2 s after': early / MiB,
      [`RSS MiB ${SETTLE_MS / 1000} s after`]: (await daemon.rss()) / MiB,
    };
  } finally {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export const memoryBench: Bench = {
  name: 'memory',
  describe: 'RSS of a real p2pd process, idle and with BENCH_MEMORY_FILES (default 10000) files',
  async run(): Promise<BenchRow[]> {
    return [await measure(0), await measure(envInt('BENCH_MEMORY_FILES', 10_000))];
  },
};
