// Helpers of the transfer tests: random content, hashes computed apart from
// the code under test, and Fetch/Push calls through the real ControlService.
import type { ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import type { TransferProgress__Output } from '../../src/generated/p2p/v1/TransferProgress.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';

export const KiB = 1024;
export const MiB = 1024 * 1024;

export function randomContent(size: number): Buffer {
  return size === 0 ? Buffer.alloc(0) : randomBytes(size);
}

export function sha256Of(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file, streamed (independent of the code under test). */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/** Hex SHA-256 of each chunk, as a peer's metadata lists them. */
export function chunkHashesOf(data: Buffer, chunkSize: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < data.length; at += chunkSize) {
    out.push(sha256Of(data.subarray(at, at + chunkSize)));
  }
  return out;
}

/**
 * The peers of one describe block. Call it in the block: `peer()` starts a
 * daemon indexing with `chunkSize` (no watcher) and `base` config, merged with
 * its own; those peers and whatever else went through `track()` are stopped
 * after each test.
 */
export function peerPool(chunkSize: number, base: Record<string, unknown> = {}) {
  const running: { stop(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });
  const track = <T extends { stop(): Promise<unknown> }>(started: T): T => {
    running.push(started);
    return started;
  };
  return {
    track,
    peer: async (
      files: Record<string, Buffer> = {},
      config: Record<string, unknown> = {},
    ): Promise<TestPeer> =>
      track(
        await startPeer({
          files,
          config: { index: { chunkSize, watch: false }, ...base, ...config },
        }),
      ),
  };
}

export interface StreamResult {
  updates: TransferProgress__Output[];
  /** When each update arrived (Date.now()). */
  arrivals: number[];
  last: TransferProgress__Output | undefined;
  error: ServiceError | undefined;
}

/** Runs ControlService.Fetch or Push on a daemon and collects the whole progress stream. */
export function controlStream(
  grpcAddress: string,
  method: 'Fetch' | 'Push',
  request: Record<string, unknown>,
  timeoutMs = 60_000,
): Promise<StreamResult> {
  const client = createControlClient(grpcAddress);
  const call =
    method === 'Fetch'
      ? client.Fetch(request, { deadline: deadline(timeoutMs) })
      : client.Push(request as never, { deadline: deadline(timeoutMs) });
  const updates: TransferProgress__Output[] = [];
  const arrivals: number[] = [];
  return new Promise((resolve) => {
    call.on('data', (p: TransferProgress__Output) => {
      updates.push(p);
      arrivals.push(Date.now());
    });
    call.on('error', (error: ServiceError) => {
      client.close();
      resolve({ updates, arrivals, last: updates[updates.length - 1], error });
    });
    call.on('end', () => {
      client.close();
      resolve({ updates, arrivals, last: updates[updates.length - 1], error: undefined });
    });
  });
}

/** Threads this process runs now (Linux's /proc): each chunk thread is one. */
export async function osThreads(): Promise<number> {
  return Number(/Threads:\s+(\d+)/.exec(await readFile('/proc/self/status', 'utf8'))?.[1]);
}

/** Files below a folder, relative, recursively (empty when it does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
  } catch {
    return [];
  }
}

/** Fetches `content` from `sources`; it must complete as `name` with the right bytes. */
export async function fetchCompletes(
  fetcher: TestPeer,
  content: Buffer,
  name: string,
  sources: string[],
): Promise<StreamResult> {
  const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
    sha256: sha256Of(content),
    sources,
  });
  expect(result.error, result.error?.message).to.equal(undefined);
  expect(result.last?.state).to.equal('completed');
  expect(await sha256OfFile(join(fetcher.shared, name))).to.equal(sha256Of(content));
  return result;
}
