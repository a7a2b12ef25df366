// RSS of a real p2pd process (bin/p2pd): idle with an empty share, and with
// BENCH_MEMORY_FILES (default 10 000) small files indexed.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnP2pd } from '../test/fixtures/spawn.js';
import { waitFor } from '../test/fixtures/peers.js';
import { MiB, envInt, type Bench, type BenchRow } from './table.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return (kb * 1024) / MiB;
}

async function measure(files: number): Promise<BenchRow> {
  const dir = await mkdtemp(join(tmpdir(), 'p2pd-bench-mem-'));
  const shared = join(dir, 'shared');
  await mkdir(shared);
  for (let i = 0; i < files; i += 100) {
    const sub = join(shared, `d${i / 100}`);
    await mkdir(sub);
    await Promise.all(
      Array.from({ length: Math.min(100, files - i) }, (_, j) =>
        writeFile(join(sub, `file-${i + j}-song.txt`), `content ${i + j}`),
      ),
    );
  }
  const rest = await freePort();
  const config = {
    id: `mem${files}`,
    sharedDir: shared,
    dataDir: join(dir, 'data'),
    grpc: { host: '127.0.0.1', port: await freePort() },
    rest: { host: '127.0.0.1', port: rest },
    index: { watch: false, rescanIntervalMs: 0 },
    log: { file: join(dir, 'p2pd.log'), level: 'warn' },
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const started = performance.now();
  const daemon = spawnP2pd(['--config', join(dir, 'config.json')]);
  try {
    await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${rest}/api/v1/status`).catch(() => undefined);
        if (!res?.ok) return false;
        const s = (await res.json()) as { files: number; indexing: boolean };
        return s.files === files && !s.indexing;
      },
      { timeoutMs: 600_000, intervalMs: 200, what: `${files} files indexed` },
    );
    const readySeconds = (performance.now() - started) / 1000;
    // Let startup garbage be collected before reading RSS.
    await new Promise((r) => setTimeout(r, 2000));
    return {
      what: files === 0 ? 'idle peer, empty share' : `peer with ${files} files indexed`,
      'ready s': readySeconds,
      'RSS MiB': await rssMiB(daemon.child.pid!),
    };
  } finally {
    daemon.kill('SIGTERM');
    await daemon.exited;
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
