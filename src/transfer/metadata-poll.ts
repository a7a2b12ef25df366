// The metadata step of a fetch: every source is asked for the file's
// metadata, each answer is checked against the hash, and the versions are
// ranked. Sources that fail, or report another size than the best version,
// are dropped.
import { InvalidArgumentError, UnavailableError, toP2pError } from '../errors.js';
import { ChunkMap } from './chunk-map.js';
import { namedFetchers } from './fetching/swarm-refresh.js';
import {
  checkRemoteInfo,
  metaKey,
  rankCandidates,
  type FileMeta,
  type MetaCandidate,
} from './metadata.js';
import type { SourceState } from './sources.js';
import type { PeerTransport } from './transport.js';

export interface MetadataPoll {
  /** Best first; never empty. */
  candidates: MetaCandidate[];
  /** Metadata as each source (by address) reported it, once checked. */
  reported: Map<string, FileMeta>;
  /** The names each source gave the file. */
  names: Map<string, string[]>;
  /** Other fetchers of the file the sources named (see namedFetchers). */
  holders: Set<string>;
}

export interface MetadataPollOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** This peer's chunk size, preferred among equals. */
  chunkSize: number;
  /** Metadata a resumed fetch used: first if some source still vouches for it. */
  previous?: FileMeta;
  /** This peer's advertised address, so sources can hand it to other fetchers. */
  fetcher?: string;
}

export async function pollMetadata(
  transport: PeerTransport,
  sources: ReadonlyMap<string, SourceState>,
  sha256: string,
  o: MetadataPollOptions,
): Promise<MetadataPoll> {
  const { signal } = o;
  const reported = new Map<string, FileMeta>();
  const names = new Map<string, string[]>();
  const holders = new Set<string>();
  await Promise.all(
    [...sources.values()].map(async (source) => {
      try {
        const info = await transport.getFile(source.address, sha256, {
          signal,
          timeoutMs: o.timeoutMs,
          ...(o.fetcher ? { fetcher: o.fetcher } : {}),
        });
        const meta = checkRemoteInfo(info, sha256);
        if (info.have) {
          const have = ChunkMap.fromBytes(meta.chunkHashes.length, info.have);
          if (!have) throw new InvalidArgumentError('sent a have-map of the wrong length');
          source.have = have;
        } else source.have = undefined;
        // Advisory (which chunks a seed sent lately): a malformed one is ignored.
        source.sent = info.sent
          ? ChunkMap.fromBytes(meta.chunkHashes.length, info.sent)
          : undefined;
        reported.set(source.address, meta);
        names.set(source.address, info.names.slice(0, 16));
        for (const address of namedFetchers(info)) holders.add(address);
      } catch (err) {
        if (signal.aborted) return;
        source.drop(describeMetadataFailure(err));
      }
    }),
  );
  if (signal.aborted) throw signal.reason;
  const reports = [...reported].map(([address, meta]) => ({ address, meta }));
  const candidates = rankCandidates(reports, o.chunkSize);
  // A fetch resumed against metadata some source still vouches for keeps its chunks.
  const previous = o.previous ? metaKey(o.previous) : undefined;
  const keep = candidates.findIndex((c) => metaKey(c.meta) === previous);
  if (keep > 0) candidates.unshift(...candidates.splice(keep, 1));
  if (candidates.length === 0) {
    const reasons = [...sources.values()]
      .map((s) => `${s.address}: ${s.error ?? 'no answer'}`)
      .join('; ');
    throw new UnavailableError(`no source can serve sha256 ${sha256} (${reasons})`);
  }
  const top = candidates[0]!.meta;
  for (const [address, meta] of reported) {
    if (meta.size !== top.size) {
      sources
        .get(address)
        ?.drop(`reports ${meta.size} bytes where the other sources report ${top.size}`);
    }
  }
  return { candidates, reported, names, holders };
}

function describeMetadataFailure(err: unknown): string {
  const e = toP2pError(err);
  if (e.code === 'NOT_FOUND') return 'does not have the file';
  if (e.code === 'INVALID_ARGUMENT') return `sent inconsistent metadata: ${e.message}`;
  return `metadata request failed: ${e.message}`;
}
