// A fetch on a lab host (test/fixtures/lab-daemons.ts) through its REST API,
// followed to the end, and its copy checked against the file's hash.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { LabPeer } from '../test/fixtures/lab-daemons.js';
import { waitFor } from '../test/fixtures/peers.js';

export interface FetchView {
  state: string;
  path: string;
  error: string;
  startedAt: number;
  finishedAt?: number;
}

/** Starts a fetch of `sha256` from `sources` on `peer`; returns its id. */
export async function startFetch(
  peer: LabPeer,
  sha256: string,
  sources: string[],
): Promise<string> {
  const { id } = await peer.api<{ id: string }>('/api/v1/transfers', {
    method: 'POST',
    body: { sha256, sources },
  });
  return id;
}

/** Waits for fetch `id` on `peer` to complete; rejects if it failed or was cancelled. */
export function fetchCompleted(peer: LabPeer, id: string): Promise<FetchView> {
  return waitFor(
    async () => {
      const t = await peer.api<FetchView>(`/api/v1/transfers/${id}`);
      if (t.state === 'failed' || t.state === 'cancelled') {
        throw new Error(`${peer.host.name}: fetch ${t.state}: ${t.error}`);
      }
      return t.state === 'completed' ? t : undefined;
    },
    { timeoutMs: 30 * 60_000, intervalMs: 100, what: `${peer.host.name}'s fetch` },
  );
}

/** Rejects unless the completed fetch's copy is `size` bytes hashing to `sha256`. */
export async function checkCopy(
  peer: LabPeer,
  fetched: FetchView,
  sha256: string,
  size: number,
): Promise<void> {
  const bytes = await readFile(fetched.path);
  if (bytes.length !== size || createHash('sha256').update(bytes).digest('hex') !== sha256) {
    throw new Error(`${peer.host.name}: the fetched copy differs from the source's`);
  }
}
