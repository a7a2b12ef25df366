// Transfer benchmark: one file fetched over loopback by a real p2pd daemon
// from 1 (and 3) real source daemons, verified chunk by chunk and whole,
// beside a plain HTTP download of the same file, Node's own HTTP/2-over-TLS
// ceiling (h2-ceiling.ts) and, when it is installed, a Syncthing folder sync
// (issue 17's bar: p2pd ≥ 1.2× Syncthing), in the same run. Cases take turns,
// several rounds, and each reports its median run.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { link, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createControlClient, deadline } from '../src/grpc/clients.js';
import type { TransferProgress__Output } from '../src/generated/p2p/v1/TransferProgress.js';
import { startDaemon, waitIndexed, type BenchDaemon } from './daemons.js';
import { IDLE_MS as HASH_THREAD_IDLE_MS } from '../src/index/hash-pool.js';
import { hashFile, writeRandomFile } from './files.js';
import { cpuDuring } from './proc.js';
import { h2Fetch, startH2Server, type H2Server } from './h2-ceiling.js';
import { ephemeralIdentity } from '../src/identity/peer-identity.js';
import {
  startSyncthingSender,
  syncthingFetch,
  syncthingVersion,
  type SyncthingSender,
} from './syncthing.js';
import { MiB, envInt, type Bench, type BenchRow } from './table.js';

export const transferBench: Bench = {
  name: 'transfer',
  describe:
    "verified p2pd fetch over loopback (TLS, and 1 source on a plaintext wire for the cost of encryption) beside plain HTTP, bare node:http2 over TLS from memory to memory (sessions on one thread, and on a thread each: Node's own ceiling) and, when `syncthing` is on the PATH, Syncthing (send-only to receive-only folder, TLS 1.3, fsync), median of BENCH_TRANSFER_RUNS (default 3) interleaved runs (BENCH_TRANSFER_MIB, default 1024; BENCH_TRANSFER_SOURCES, default 1,3)",
  async run(): Promise<BenchRow[]> {
    const sources = (process.env.BENCH_TRANSFER_SOURCES ?? '1,3')
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
    const rows = await runTransferBench({
      sizeBytes: envInt('BENCH_TRANSFER_MIB', 1024) * MiB,
      sourceCounts: sources.length > 0 ? sources : [1, 3],
      runs: envInt('BENCH_TRANSFER_RUNS', 3),
    });
    const http = rows[0]!.mibPerSecond;
    const syncthing = rows.find((r) => r.syncthing)?.mibPerSecond;
    // Several sources priced against one, beside Node's own ceiling priced the same way.
    const oneSource = (r: TransferBenchRow): number | undefined =>
      r.family && r.sources !== 1
        ? rows.find((o) => o.family === r.family && o.sources === 1)?.mibPerSecond
        : undefined;
    return rows.map((r) => {
      const single = oneSource(r);
      return {
        case: r.label,
        'MiB/s': Math.round(r.mibPerSecond),
        'runs MiB/s': r.runs.map(Math.round).join(' '),
        seconds: r.seconds,
        'x HTTP': r.mibPerSecond / http,
        'x Syncthing': syncthing === undefined ? '' : r.mibPerSecond / syncthing,
        'x 1 source': single === undefined ? '' : r.mibPerSecond / single,
        'fetcher peak RSS MiB': r.fetcherRss === undefined ? '' : Math.round(r.fetcherRss / MiB),
        'source peak RSS MiB': r.sourceRss === undefined ? '' : Math.round(r.sourceRss / MiB),
        'fetcher CPU s': r.fetcherCpu ?? '',
        'fetcher event loop CPU s': r.fetcherLoopCpu ?? '',
        'fetcher event loop waiting for a core s': r.fetcherLoopWait ?? '',
        'sources CPU s': r.sourcesCpu ?? '',
      };
    });
  },
};

export interface TransferBenchOptions {
  sizeBytes: number;
  /** Source counts to run, e.g. [1, 3]. */
  sourceCounts: number[];
  /** Runs of each case, interleaved so that a noisy spell hits every case alike. */
  runs: number;
  /** Parent of the temp folder (default the OS temp folder). */
  dir?: string;
}

/** One run of a case. */
export interface TransferRun {
  mibPerSecond: number;
  seconds: number;
  /** Peak RSS of the fetching daemon and of the (largest) source daemon, bytes. */
  fetcherRss?: number;
  sourceRss?: number;
  /** CPU seconds the fetcher and the sources (together) used during the fetch. */
  fetcherCpu?: number;
  /**
   * The fetcher's main thread alone (TLS, HTTP/2, the scheduler): every byte
   * passes through it in turn, while hashing and writing run on other threads.
   */
  fetcherLoopCpu?: number;
  /**
   * Time the fetcher's main thread was ready but every core was busy with
   * other threads (its own hashing thread, the sources, the kernel): on one
   * machine, what more source processes cost the fetch.
   */
  fetcherLoopWait?: number;
  sourcesCpu?: number;
}

/** A case's median run, with every run's MiB/s. */
export interface TransferBenchRow extends TransferRun {
  label: string;
  runs: number[];
  /** The Syncthing case, the bar the other rows are priced against. */
  syncthing?: boolean;
  /** Rows of one kind at several source counts: each is priced against its 1-source row. */
  family?: 'node-http2' | 'p2pd';
  sources?: number;
}

/** The gRPC config of a daemon on a plaintext peer wire (no TLS). */
const PLAINTEXT = { host: '127.0.0.1', port: 0, plaintextPeers: true };

export async function runTransferBench(options: TransferBenchOptions): Promise<TransferBenchRow[]> {
  const dir = await mkdtemp(join(options.dir ?? tmpdir(), 'p2pd-bench-'));
  const sources: BenchDaemon[] = [];
  let plainSource: BenchDaemon | undefined;
  let http: { server: ChildProcess; port: number } | undefined;
  let syncthing: SyncthingSender | undefined;
  const h2Servers: H2Server[] = [];
  try {
    const syncthingAt = await syncthingVersion();
    if (syncthingAt === undefined) {
      console.log('skipped Syncthing: `syncthing` is not on the PATH (apt-get install syncthing)');
    }
    const file = join(dir, 'origin.bin');
    log(`writing ${fmtMiB(options.sizeBytes)} MiB of random data`);
    const sha256 = await writeRandomFile(file, options.sizeBytes);
    http = await startHttpServer(file);
    // Sources start once and serve every run, from the page cache as the HTTP server does.
    const count = Math.max(...options.sourceCounts);
    for (let i = 1; i <= count; i++) {
      const shared = join(dir, `source${i}`, 'shared');
      await mkdir(shared, { recursive: true });
      await link(file, join(shared, 'bench.bin'));
      sources.push(await startDaemon(dir, `source${i}`, { index: { watch: false } }));
    }
    // The same file on a plaintext wire: what TLS costs, measured in the same run.
    const plainShared = join(dir, 'plain-source', 'shared');
    await mkdir(plainShared, { recursive: true });
    await link(file, join(plainShared, 'bench.bin'));
    plainSource = await startDaemon(dir, 'plain-source', {
      index: { watch: false },
      grpc: { ...PLAINTEXT },
    });
    const h2Id = ephemeralIdentity();
    for (let i = 1; i <= count; i++) h2Servers.push(await startH2Server(h2Id));
    log(`${count + 1} source daemon(s) indexing`);
    await Promise.all([...sources, plainSource].map((d) => waitIndexed(d, 1)));
    // A daemon's hashing threads end once idle: the sources serve as they will from then on.
    await new Promise((resolve) => setTimeout(resolve, HASH_THREAD_IDLE_MS + 1000));
    if (syncthingAt !== undefined) {
      log(`Syncthing ${syncthingAt} sender scanning`);
      syncthing = await startSyncthingSender(join(dir, 'syncthing'), file, options.sizeBytes);
      log(`Syncthing sender scanned the file in ${syncthing.scanSeconds.toFixed(2)} s`);
    }
    const cases: (Pick<TransferBenchRow, 'label' | 'syncthing' | 'family' | 'sources'> & {
      run: () => Promise<TransferRun>;
    })[] = [
      ...[false, true].map((fsync) => ({
        label: `plain HTTP (node http, no verification${fsync ? ', fsync' : ''})`,
        run: () => httpDownload(dir, http!.port, options.sizeBytes, fsync),
      })),
      ...options.sourceCounts.flatMap((n) =>
        (n === 1 ? [false] : [false, true]).map((threads) => ({
          label: `node http2 over TLS, memory to memory, ${sessionsLabel(n, threads)}`,
          family: 'node-http2' as const,
          sources: n,
          run: () => h2Fetch(h2Servers.slice(0, n), options.sizeBytes, threads, h2Id),
        })),
      ),
      ...options.sourceCounts.map((n) => ({
        label: `p2pd verified fetch, ${n} source${n > 1 ? 's' : ''}`,
        family: 'p2pd' as const,
        sources: n,
        run: () => p2pFetch(dir, sha256, options.sizeBytes, sources.slice(0, n)),
      })),
      {
        label: 'p2pd verified fetch, 1 source, plaintext wire (grpc.plaintextPeers)',
        run: () => p2pFetch(dir, sha256, options.sizeBytes, [plainSource!], PLAINTEXT),
      },
      ...(syncthing
        ? [
            {
              label: `Syncthing ${syncthingAt} (TLS 1.3, SHA-256, fsync)`,
              syncthing: true,
              run: () => syncthingFetch(syncthing!, sha256),
            },
          ]
        : []),
    ];
    const runs: TransferRun[][] = cases.map(() => []);
    for (let r = 1; r <= options.runs; r++) {
      log(`run ${r} of ${options.runs}`);
      for (const [i, c] of cases.entries()) runs[i]!.push(await c.run());
    }
    return cases.map((c, i) => {
      const sorted = [...runs[i]!].sort((a, b) => a.mibPerSecond - b.mibPerSecond);
      return {
        label: c.label,
        ...(c.syncthing ? { syncthing: true } : {}),
        ...(c.family ? { family: c.family, sources: c.sources } : {}),
        ...sorted[Math.floor((sorted.length - 1) / 2)]!,
        runs: runs[i]!.map((run) => run.mibPerSecond),
      };
    });
  } finally {
    http?.server.kill();
    for (const h2 of h2Servers) h2.process.kill();
    await syncthing?.stop();
    await Promise.all([...sources, ...(plainSource ? [plainSource] : [])].map((d) => d.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}

/** Node's http server, in its own process, serving the file. */
export async function startHttpServer(
  file: string,
): Promise<{ server: ChildProcess; port: number }> {
  const server = fork(fileURLToPath(new URL('./http-server.js', import.meta.url)), [file], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('message', (m: { port: number }) => resolve(m.port));
    server.once('exit', (code) => reject(new Error(`http server exited (${code})`)));
  });
  return { server, port };
}

/**
 * This process saving the file from the HTTP server as curl -o would (page
 * cache only), or fsynced at the end as the verified fetch does.
 */
async function httpDownload(
  dir: string,
  port: number,
  size: number,
  fsync: boolean,
): Promise<TransferRun> {
  const target = join(dir, 'http-download.bin');
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    get(`http://127.0.0.1:${port}/`, (res) => {
      pipeline(res, createWriteStream(target, { highWaterMark: MiB })).then(resolve, reject);
    }).on('error', reject);
  });
  if (fsync) {
    const handle = await open(target, 'r+');
    await handle.sync();
    await handle.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await rm(target);
  return { seconds, mibPerSecond: size / MiB / seconds };
}

/** A fresh fetcher daemon fetching the file from `sources`. */
async function p2pFetch(
  dir: string,
  sha256: string,
  size: number,
  sources: BenchDaemon[],
  grpc?: object,
): Promise<TransferRun> {
  const fetcherDir = join(dir, 'fetch');
  let fetcher: BenchDaemon | undefined;
  try {
    await mkdir(fetcherDir, { recursive: true });
    fetcher = await startDaemon(fetcherDir, 'fetcher', {
      index: { watch: false },
      ...(grpc ? { grpc } : {}),
      // Tuning experiments: P2PD_BENCH_TRANSFER='{"maxRequestsPerSource":2}'.
      ...(process.env.P2PD_BENCH_TRANSFER
        ? { transfer: JSON.parse(process.env.P2PD_BENCH_TRANSFER) as object }
        : {}),
    });
    // Sources serve every run (and hashed the file at start): their peak is this fetch's.
    await Promise.all(sources.map((d) => d.resetPeakRss()));
    const address = fetcher.grpcAddress;
    const [{ last, seconds }, used] = await cpuDuring(fetcher, sources, async () => {
      const started = performance.now();
      const last = await fetch(address, sha256, sources);
      return { last, seconds: (performance.now() - started) / 1000 };
    });
    if (last?.state !== 'completed') {
      throw new Error(`fetch did not complete: ${last?.state} ${last?.error}`);
    }
    const fetcherRss = await fetcher.peakRss();
    const sourceRss = Math.max(...(await Promise.all(sources.map((d) => d.peakRss()))));
    if ((await hashFile(last.path)) !== sha256) throw new Error('fetched file differs');
    return {
      seconds,
      mibPerSecond: size / MiB / seconds,
      fetcherRss,
      sourceRss,
      ...used,
    };
  } finally {
    await fetcher?.stop();
    await rm(fetcherDir, { recursive: true, force: true });
  }
}

async function fetch(
  address: string,
  sha256: string,
  sources: BenchDaemon[],
): Promise<TransferProgress__Output | undefined> {
  const client = createControlClient(address);
  try {
    return await fetchWith(
      client,
      sha256,
      sources.map((s) => s.grpcAddress),
    );
  } finally {
    client.close();
  }
}

/** A fetch through the daemon's ControlService; resolves with its last progress. */
export function fetchWith(
  client: ReturnType<typeof createControlClient>,
  sha256: string,
  sources: string[],
): Promise<TransferProgress__Output | undefined> {
  return new Promise((resolve, reject) => {
    let last: TransferProgress__Output | undefined;
    const call = client.Fetch({ sha256, sources }, { deadline: deadline(3_600_000) });
    call.on('data', (p: TransferProgress__Output) => (last = p));
    call.on('error', reject);
    call.on('end', () => resolve(last));
  });
}

/** `1 session`, `3 sessions on one thread`, `3 sessions, a thread each`. */
function sessionsLabel(n: number, threads: boolean): string {
  if (n === 1) return '1 session';
  return `${n} sessions${threads ? ', a thread each' : ' on one thread'}`;
}

function log(message: string): void {
  console.error(`  ... ${message}`);
}

function fmtMiB(bytes: number): string {
  return (bytes / MiB).toFixed(0);
}
