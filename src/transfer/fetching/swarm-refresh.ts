// While a fetch runs, it asks its sources again every so often (GetFile
// without the chunk hashes): their have-maps grow as they fetch too, and
// each names other fetchers of the file it heard of. New fetchers are asked
// for the full metadata, and join the fetch as sources only if it is exactly
// the metadata in use. Asking also tells every source that this peer
// fetches the file, so it hands this peer on in turn.
import type { Logger } from '../../logger.js';
import { ChunkMap } from '../chunk-map.js';
import { checkRemoteInfo, metaKey, type FileMeta } from '../metadata.js';
import { isFetcherAddress } from '../serving/fetcher-registry.js';
import { SourceState } from '../sources.js';
import type { PeerTransport, RemoteFileInfo } from '../transport.js';

/** Addresses taken from one source's answer, at most. */
const MAX_HOLDERS_READ = 16;
/** New fetchers probed per round, at most. */
const MAX_PROBES = 8;
/** Addresses that failed a probe, remembered so they are not probed every round. */
const MAX_REJECTED = 256;
/**
 * A failed probe is tried again after this long, ms: a fetcher is named by a
 * source as soon as it asks, a moment before it can serve anything itself.
 */
const RETRY_PROBE_MS = 2000;

export interface SwarmRefreshInit {
  meta: FileMeta;
  /** This peer's advertised address. */
  self: string;
  intervalMs: number;
  timeoutMs: number;
  /** Sources of the fetch, at most (found ones join while there is room). */
  maxSources: number;
  /** Requests a new source may have in flight. */
  requestsPerSource: number;
}

export interface SwarmRefreshHooks {
  /** A found fetcher joins the fetch. */
  added(source: SourceState): void;
  /** Have-maps or sources changed. */
  changed(): void;
  /** The id of the peer at an address, when the overlay knows it. */
  peerIdAt?: (address: string) => string | undefined;
}

export class SwarmRefresh {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Addresses whose probe failed, and when they may be probed again (ms epoch). */
  private readonly rejected = new Map<string, number>();
  private readonly key: string;

  constructor(
    private readonly transport: PeerTransport,
    /** Every source of the fetch, by address (found ones are added here). */
    private readonly sources: Map<string, SourceState>,
    private readonly init: SwarmRefreshInit,
    private readonly hooks: SwarmRefreshHooks,
    private readonly logger: Logger,
    private readonly signal: AbortSignal,
  ) {
    this.key = metaKey(init.meta);
  }

  /**
   * Probes the fetchers the metadata poll's answers named (`named`) now, then
   * runs a round every interval until stopped. No round at once: the poll
   * just asked every source, so their have-maps are fresh, and a small file
   * is often done before the first round would be.
   */
  start(named: Iterable<string> = []): void {
    const fresh = this.fresh(named);
    this.after(fresh.length > 0 ? this.probeAll(fresh) : Promise.resolve());
  }

  /** Once `work` is done, runs a round every interval until stopped. */
  private after(work: Promise<void>): void {
    void work
      .catch((err: unknown) => this.logger.debug({ err }, 'swarm refresh failed'))
      .finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(() => {
          if (!this.stopped && !this.signal.aborted) this.after(this.round());
        }, this.init.intervalMs);
      });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async round(): Promise<void> {
    const found = new Set<string>();
    const live = [...this.sources.values()].filter((s) => !s.dropped);
    await Promise.all(
      live.map(async (source) => {
        const info = await this.ask(source.address, true);
        if (!info || this.stopped) return; // a failed refresh is no fault: downloads judge sources
        const { meta } = this.init;
        if (
          info.sha256 !== meta.sha256 ||
          info.size !== meta.size ||
          info.chunkSize !== meta.chunkSize
        ) {
          source.drop('now reports other metadata');
          return;
        }
        if (!this.applyHave(source, info)) return;
        for (const address of namedFetchers(info)) found.add(address);
      }),
    );
    await this.probeAll(this.fresh(found));
  }

  /** Probes named fetchers, then tells the fetch its sources or have-maps changed. */
  private async probeAll(addresses: string[]): Promise<void> {
    await Promise.all(addresses.map((address) => this.probe(address)));
    if (!this.stopped) this.hooks.changed();
  }

  /** Named fetchers worth a probe: not us, not sources yet, not failed lately; a round's worth. */
  private fresh(named: Iterable<string>): string[] {
    return [...named]
      .filter(
        (a) =>
          a !== this.init.self && !this.sources.has(a) && (this.rejected.get(a) ?? 0) <= Date.now(),
      )
      .slice(0, Math.min(MAX_PROBES, this.init.maxSources - this.sources.size));
  }

  /** Asks a found fetcher for the full metadata; it joins if the metadata is the one in use. */
  private async probe(address: string): Promise<void> {
    const info = await this.ask(address, false);
    if (this.stopped || this.sources.has(address)) return;
    let ok = false;
    if (info) {
      try {
        ok = metaKey(checkRemoteInfo(info, this.init.meta.sha256)) === this.key;
      } catch {
        ok = false; // inconsistent metadata: not a source
      }
    }
    if (!ok || this.sources.size >= this.init.maxSources) {
      if (this.rejected.size >= MAX_REJECTED) this.rejected.clear();
      this.rejected.set(address, Date.now() + RETRY_PROBE_MS);
      return;
    }
    const source = new SourceState(
      address,
      this.hooks.peerIdAt?.(address) ?? '',
      this.init.requestsPerSource,
    );
    if (!this.applyHave(source, info!)) return;
    this.sources.set(address, source);
    this.hooks.added(source);
    this.logger.info(
      { source: address, partial: source.have !== undefined },
      'another fetcher of the file joins as a source',
    );
  }

  /** Takes a source's have-map; false (and the source dropped) when it is malformed. */
  private applyHave(source: SourceState, info: RemoteFileInfo): boolean {
    const count = this.init.meta.chunkHashes.length;
    // Advisory only (it steers which chunks are asked of whom): a malformed one is ignored.
    source.sent = info.sent ? ChunkMap.fromBytes(count, info.sent) : undefined;
    if (!info.have) {
      source.have = undefined;
      return true;
    }
    const have = ChunkMap.fromBytes(count, info.have);
    if (!have) {
      source.drop('sent a have-map of the wrong length');
      return false;
    }
    source.have = have;
    return true;
  }

  private async ask(address: string, omitHashes: boolean): Promise<RemoteFileInfo | undefined> {
    try {
      return await this.transport.getFile(address, this.init.meta.sha256, {
        signal: this.signal,
        timeoutMs: this.init.timeoutMs,
        fetcher: this.init.self,
        omitHashes,
      });
    } catch {
      return undefined;
    }
  }
}

/** The fetchers a source's answer names, bounded; what is not a host:port is ignored. */
export function namedFetchers(info: RemoteFileInfo): string[] {
  return (info.holders ?? [])
    .slice(0, MAX_HOLDERS_READ)
    .filter((h) => typeof h === 'string' && isFetcherAddress(h));
}
