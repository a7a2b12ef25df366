// Small-file fetch latency: a fetcher daemon fetches 1 KiB files one after
// another from a source daemon (metadata, verification, the durable fetch
// state, the move into the share), beside the least a durable copy takes: a
// plain HTTP GET of the same file, written, fsynced and renamed into place.
import type { ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlClient } from '../src/grpc/clients.js';
import { startDaemon, waitIndexed, type BenchDaemon } from './daemons.js';
import { envInt, type Bench, type BenchRow } from './table.js';
import { hashFile } from './files.js';
import { fetchWith, startHttpServer } from './transfer.js';

const FILE_BYTES = 1024;

export const smallFetchBench: Bench = {
  name: 'small',
  describe: `fetching ${FILE_BYTES}-byte files one after another from one source over loopback (TLS), per file, beside a plain HTTP GET of the file written, fsynced and renamed (BENCH_SMALL_FILES, default 50; BENCH_SMALL_SHARED, files the fetcher shares already, default 0)`,
  async run(): Promise<BenchRow[]> {
    const count = envInt('BENCH_SMALL_FILES', 50);
    const alreadyShared = envInt('BENCH_SMALL_SHARED', 0);
    const dir = await mkdtemp(join(tmpdir(), 'p2pd-bench-small-'));
    const daemons: BenchDaemon[] = [];
    let http: ChildProcess | undefined;
    try {
      const shared = join(dir, 'source', 'shared');
      await mkdir(shared, { recursive: true });
      const files = await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const bytes = randomBytes(FILE_BYTES);
          await writeFile(join(shared, `small-${i}.bin`), bytes);
          return createHash('sha256').update(bytes).digest('hex');
        }),
      );
      const source = await startDaemon(dir, 'source', { index: { watch: false } });
      daemons.push(source);
      await waitIndexed(source, count);
      // What a fetch costs must not grow with what the fetcher shares (its index and routing tables).
      const fetcherShared = join(dir, 'fetcher', 'shared', 'already');
      await mkdir(fetcherShared, { recursive: true });
      for (let i = 0; i < alreadyShared; i++) {
        await writeFile(join(fetcherShared, `had-${i}.txt`), `shared before ${i}`);
      }
      const fetcher = await startDaemon(dir, 'fetcher', { index: { watch: false } });
      daemons.push(fetcher);
      await waitIndexed(fetcher, alreadyShared);

      const p2p: number[] = [];
      const client = createControlClient(fetcher.grpcAddress);
      try {
        for (const sha256 of files) {
          const started = performance.now();
          const last = await fetchWith(client, sha256, [source.grpcAddress]);
          p2p.push(performance.now() - started);
          if (last?.state !== 'completed') throw new Error(`fetch ${last?.state}: ${last?.error}`);
          if ((await hashFile(last.path)) !== sha256) throw new Error('fetched file differs');
        }
      } finally {
        client.close();
      }

      const served = await startHttpServer(join(shared, 'small-0.bin'));
      http = served.server;
      const { port } = served;
      const plain: number[] = [];
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        await durableGet(port, join(dir, `http-${i}.bin`));
        plain.push(performance.now() - started);
      }
      const httpMedian = quantile(plain, 0.5);
      return [
        row('plain HTTP GET, written, fsynced, renamed', plain, httpMedian),
        row(
          `p2pd verified fetch (TLS)${alreadyShared ? `, fetcher sharing ${alreadyShared} files` : ''}`,
          p2p,
          httpMedian,
        ),
      ];
    } finally {
      http?.kill();
      await Promise.all(daemons.map((d) => d.stop()));
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/** GET the file, write it to a temp name, fsync it, rename it to `target`. */
async function durableGet(port: number, target: string): Promise<void> {
  const body = await new Promise<Buffer>((resolve, reject) => {
    get(`http://127.0.0.1:${port}/`, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    }).on('error', reject);
  });
  const tmp = `${target}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, target);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function row(label: string, ms: number[], httpMedian: number): BenchRow {
  const median = quantile(ms, 0.5);
  return {
    case: label,
    files: ms.length,
    'median ms': median,
    'p10 ms': quantile(ms, 0.1),
    'p90 ms': quantile(ms, 0.9),
    'x HTTP time': median / httpMedian,
  };
}
