// What the benches on lab hosts (test/fixtures/netns.ts, lab-daemons.ts)
// share: the root check, their settings and file, and a fetch through a
// host's REST API, followed to the end and its copy checked.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { LabPeer } from '../test/fixtures/lab-daemons.js';
import { waitFor } from '../test/fixtures/peers.js';

/** True when lab hosts can be built (root); otherwise says the bench is skipped. */
export function canBuildLab(bench: string): boolean {
  if (process.getuid?.() === 0) return true;
  console.log(`skipped: the ${bench} bench needs root (network namespaces and tc qdiscs)`);
  return false;
}

/** Transfer settings from a JSON environment variable (none: the defaults), to compare. */
export function transferSettings(variable: string): Record<string, unknown> {
  return JSON.parse(process.env[variable] ?? '{}') as Record<string, unknown>;
}

/** `size` random bytes and their SHA-256 (hex). */
export function randomFile(size: number): { content: Buffer; sha256: string } {
  const content = randomBytes(size);
  return { content, sha256: createHash('sha256').update(content).digest('hex') };
}

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
