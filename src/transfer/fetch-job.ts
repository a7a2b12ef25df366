// One fetch, start to finish: find sources, check their metadata, pull the
// chunks into the partial file, check the whole hash, move the file into
// place without overwriting anything, and index it.
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { CancelledError, P2pError, UnavailableError, toP2pError } from '../errors.js';
import type { FileIndex } from '../index/file-index.js';
import { toRelPosix, resolveInside } from '../index/paths.js';
import { placeUnique } from '../index/place-file.js';
import type { Logger } from '../logger.js';
import { ChunkMap } from './chunk-map.js';
import { ChunkThread } from './chunk-thread.js';
import { metaKey, pickFileName, type FileMeta } from './metadata.js';
import { pollMetadata } from './metadata-poll.js';
import type { PartialState, PartialStore } from './partial-store.js';
import type { BandwidthLimiter } from './bandwidth/bandwidth-limiter.js';
import { RateMeter } from './rate-meter.js';
import { peerKeyOfAddress } from './serving/peer-key.js';
import { resolveSources } from './source-finder.js';
import { SourceState } from './sources.js';
import { SwarmRefresh } from './fetching/swarm-refresh.js';
import type { PartialHoldings } from './serving/partial-holdings.js';
import type { PeerTransport } from './transport.js';
import type { TrafficCounter } from './traffic.js';
import {
  CHUNK_KEPT,
  CHUNK_MISSING,
  type ChunkSourceMap,
  type FindSources,
  type TransferOutcome,
  type TransferSnapshot,
  type TransferState,
} from './types.js';
import {
  WrongDataError,
  downloadVerified,
  type VerifiedDownloadOptions,
} from './verified-download.js';

export interface FetchJobComponents {
  transport: PeerTransport;
  index: FileIndex;
  store: PartialStore;
  logger: Logger;
  findSources?: FindSources;
  /** Bytes fetched, per source peer. */
  traffic: TrafficCounter;
  /** Download limits the fetch keeps to; absent: none. */
  bandwidth?: BandwidthLimiter;
  /** The id of the peer at an address (a neighbor), for sources given by address. */
  peerIdAt?: (address: string) => string | undefined;
  /** Where this fetch's verified chunks are offered to other peers. */
  partials?: PartialHoldings;
  /** This peer's advertised address, told to sources so they hand it to other fetchers. */
  self?: () => string;
}

export interface FetchSettings {
  sharedDir: string;
  downloadDir: string;
  /** This peer's chunk size: metadata using it is preferred and indexed without rehashing. */
  chunkSize: number;
  maxRequests: number;
  maxRequestsPerSource: number;
  requestBytes: number;
  stallTimeoutMs: number;
  metadataTimeoutMs: number;
  /** Write chunks with direct I/O where the file system allows it. */
  directIo: boolean;
  /** See DownloaderInit.spotCheckOneIn. */
  spotCheckOneIn: number;
  /** How often sources are asked again for their chunks and other fetchers, ms. */
  swarmRefreshMs?: number;
  /** Sources at most, found fetchers included (default 24). */
  maxSources?: number;
}

export interface FetchSpec {
  id: string;
  sha256?: string;
  name?: string;
  sources: string[];
  /** State found on disk at start: resume it. */
  resumed?: PartialState;
}

export interface FetchHooks {
  /** Something changed; `important` for state changes (not to be throttled). */
  changed(important: boolean): void;
  /** Another fetch of this hash under way, to follow instead of fetching it twice. */
  claim(sha256: string): Promise<TransferOutcome> | undefined;
  /** The metadata is chosen and data is about to flow. */
  started(): void;
}

export class FetchJob {
  readonly id: string;
  sha256: string;
  name = '';
  note = '';
  state: TransferState = 'queued';
  error: P2pError | undefined;
  path = '';
  size = 0;
  bytesDone = 0;
  private readonly startedAt = Date.now();
  private finishedAt: number | undefined;
  private readonly sources = new Map<string, SourceState>();
  private readonly explicit: string[];
  private readonly controller = new AbortController();
  private interrupted = false;
  private readonly rate = new RateMeter();
  private readonly wanted: string | undefined;
  private resumed: PartialState | undefined;
  /** Per chunk: the index of the source that delivered it in `sources`, or a CHUNK_* value. */
  private chunkFrom: Int16Array = new Int16Array(0);

  constructor(
    private readonly components: FetchJobComponents,
    private readonly settings: FetchSettings,
    spec: FetchSpec,
    private readonly hooks: FetchHooks,
  ) {
    this.id = spec.id;
    this.sha256 = spec.sha256 ?? '';
    this.name = spec.resumed?.name ?? '';
    this.note = spec.resumed?.note ?? '';
    this.explicit = spec.sources;
    this.resumed = spec.resumed;
    this.wanted = spec.name;
  }

  /** Runs to a final state; never rejects. */
  async run(): Promise<void> {
    this.state = 'running';
    this.hooks.changed(true);
    try {
      await this.fetch();
      this.state = 'completed';
    } catch (err) {
      if (this.interrupted) return; // the daemon is stopping: the partial state stays for resume
      const failure = this.controller.signal.aborted
        ? new CancelledError('the fetch was cancelled')
        : toP2pError(err);
      // Cleaned up before the state is final: a final state frees the hash for a new fetch.
      if (this.sha256) {
        await this.components.store.remove(this.sha256).catch(() => undefined);
      }
      this.state = failure instanceof CancelledError ? 'cancelled' : 'failed';
      this.error = failure;
      this.components.logger.warn(
        { transfer: this.id, sha256: this.sha256, reason: failure.message },
        `fetch ${this.state}`,
      );
    } finally {
      this.finishedAt = Date.now();
      if (!this.interrupted) this.hooks.changed(true);
    }
  }

  /** Stops the fetch and removes its partial state. */
  cancel(): void {
    if (this.state === 'queued') {
      this.state = 'cancelled';
      this.error = new CancelledError('the fetch was cancelled');
      this.finishedAt = Date.now();
      if (this.sha256) void this.components.store.remove(this.sha256).catch(() => undefined);
      return;
    }
    this.controller.abort(new CancelledError('the fetch was cancelled'));
  }

  /** Stops the fetch but keeps its partial state, to resume on the next start. */
  interrupt(): void {
    this.interrupted = true;
    this.controller.abort(new CancelledError('the daemon is stopping'));
  }

  snapshot(): TransferSnapshot {
    const remaining = this.size - this.bytesDone;
    const running = this.state === 'running';
    return {
      id: this.id,
      kind: 'fetch',
      state: this.state,
      sha256: this.sha256,
      name: this.name,
      size: this.size,
      bytesDone: this.bytesDone,
      rateBps: running ? Math.round(this.rate.rate()) : 0,
      etaMs: running ? this.rate.eta(remaining) : this.state === 'completed' ? 0 : -1,
      sources: [...this.sources.values()].map((s) =>
        s.view(this.components.traffic.peerAt(s.address)?.upBytes ?? 0),
      ),
      error: this.error?.message ?? '',
      path: this.path,
      peer: '',
      note: this.note,
      startedAt: this.startedAt,
      ...(this.finishedAt ? { finishedAt: this.finishedAt } : {}),
    };
  }

  /** Which source delivered each chunk so far, as runs (see ChunkSourceMap). */
  chunkMap(): ChunkSourceMap {
    const runs: [number, number][] = [];
    for (const from of this.chunkFrom) {
      const last = runs.at(-1);
      if (last && last[0] === from) last[1]++;
      else runs.push([from, 1]);
    }
    return {
      count: this.chunkFrom.length,
      sources: [...this.sources.values()].map((s) => ({ peerId: s.peerId, address: s.address })),
      runs,
    };
  }

  private async fetch(): Promise<void> {
    const { signal } = this.controller;
    if (this.sha256 && (await this.alreadyHave())) return;
    const found = await resolveSources(
      this.components.findSources,
      {
        sha256: this.sha256 || undefined,
        name: this.wanted,
        explicit: this.explicit,
        searchToo: this.resumed !== undefined,
      },
      signal,
    );
    this.sha256 = found.sha256;
    if (found.note) this.note = found.note;
    if (!this.name && found.name) this.name = pickFileName([[found.name]], found.sha256);
    for (const s of found.sources) {
      const peerId = s.peerId || this.components.peerIdAt?.(s.address) || '';
      const known = this.sources.get(s.address);
      if (known) known.peerId ||= peerId;
      else {
        this.sources.set(
          s.address,
          new SourceState(s.address, peerId, this.settings.maxRequestsPerSource),
        );
      }
    }
    this.hooks.changed(true);
    if (await this.alreadyHave()) return;
    const other = this.hooks.claim(this.sha256);
    if (other) return this.follow(other);
    // On record before any data comes; written while the sources are asked for the metadata.
    const recorded = this.saveState(this.resumed?.meta, this.resumed?.verified ?? '');
    recorded.catch(() => undefined); // awaited once the metadata is in
    // Booted while the sources are asked for the metadata: it takes about as long.
    const thread = new ChunkThread();
    try {
      await this.fetchWith(thread, recorded);
    } finally {
      await thread.close(); // a no-op once the download has closed it
    }
  }

  /** The rest of `fetch`, once the metadata is to be asked for. */
  private async fetchWith(thread: ChunkThread, recorded: Promise<void>): Promise<void> {
    const { signal } = this.controller;
    const polled = await pollMetadata(this.components.transport, this.sources, this.sha256, {
      signal,
      timeoutMs: this.settings.metadataTimeoutMs,
      chunkSize: this.settings.chunkSize,
      ...(this.resumed?.meta ? { previous: this.resumed.meta } : {}),
      ...(this.components.self ? { fetcher: this.components.self() } : {}),
    });
    await recorded;
    const { candidates, reported, names, holders } = polled;
    const excluded = new Set<string>();
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i]!;
      const usable = [...this.sources.values()].filter(
        (s) => !excluded.has(s.address) && reported.get(s.address)?.size === candidate.meta.size,
      );
      if (usable.length === 0) continue;
      // Named the way the sources that vouch for the metadata in use name it.
      if (!this.name || i > 0)
        this.name = pickFileName(this.ballots(candidate.vouchers, names), this.sha256);
      try {
        await this.attempt(candidate.meta, usable, thread, holders);
        return;
      } catch (err) {
        const last = i === candidates.length - 1;
        if (
          signal.aborted ||
          last ||
          !(err instanceof WrongDataError || err instanceof UnavailableError)
        ) {
          throw err instanceof WrongDataError ? new UnavailableError(err.message) : err;
        }
        // That metadata was a lie (or nobody could serve it): its vouchers are not asked again.
        for (const address of candidate.vouchers) excluded.add(address);
        this.components.logger.warn(
          { transfer: this.id, reason: (err as Error).message },
          'trying the metadata other sources report',
        );
      }
    }
    throw new UnavailableError('no source reports metadata that matches this hash');
  }

  /** The names each source gives, one ballot per peer (an id behind several addresses votes once). */
  private ballots(addresses: string[], names: ReadonlyMap<string, string[]>): string[][] {
    const byVoter = new Map<string, string[]>();
    for (const address of addresses) {
      const voter = this.sources.get(address)?.peerId || address;
      if (!byVoter.has(voter)) byVoter.set(voter, names.get(address) ?? []);
    }
    return [...byVoter.values()];
  }

  private async attempt(
    meta: FileMeta,
    usable: SourceState[],
    thread: ChunkThread,
    named: ReadonlySet<string>,
  ): Promise<void> {
    const { store, transport, logger } = this.components;
    for (const s of usable) s.reset(this.settings.maxRequestsPerSource);
    this.size = meta.size;
    const count = meta.chunkHashes.length;
    const sameMeta = this.resumed?.meta && metaKey(this.resumed.meta) === metaKey(meta);
    const done = sameMeta
      ? ChunkMap.fromBase64(count, this.resumed!.verified)
      : new ChunkMap(count);
    this.resumed = undefined;
    const order = new Map([...this.sources.keys()].map((address, i) => [address, i]));
    this.chunkFrom = new Int16Array(count).fill(CHUNK_MISSING);
    const log = logger.child({ transfer: this.id });
    let refresh: SwarmRefresh | undefined;
    let unlist: (() => void) | undefined;
    let downloader: { nudge(): void } | undefined;
    try {
      await downloadVerified({
        meta,
        path: store.dataPath(this.sha256),
        done,
        sources: usable,
        transport,
        logger: log,
        maxRequests: this.settings.maxRequests,
        requestBytes: this.settings.requestBytes,
        stallTimeoutMs: this.settings.stallTimeoutMs,
        directIo: this.settings.directIo,
        spotCheckOneIn: this.settings.spotCheckOneIn,
        thread,
        swarm: this.components.self !== undefined && (this.settings.swarmRefreshMs ?? 0) > 0,
        ...this.limited(usable),
        signal: this.controller.signal,
        save: (verified) => this.saveState(meta, verified),
        onStart: (kept, running) => {
          downloader = running;
          for (const i of done.indexes()) this.chunkFrom[i] = CHUNK_KEPT;
          this.bytesDone = kept;
          if (kept > 0) {
            logger.info(
              { transfer: this.id, sha256: this.sha256, chunks: done.size, bytes: kept },
              'resuming a partial fetch',
            );
          }
          // What is on disk is re-verified by now: from here other peers may fetch it from us.
          unlist = this.components.partials?.add({
            meta,
            done,
            unchecked: running.unchecked,
            check: (index) => running.check(index),
            path: store.dataPath(this.sha256),
            name: this.name,
          });
          refresh = this.startRefresh(meta, usable, order, named, () => downloader?.nudge());
          this.hooks.started();
          this.hooks.changed(true);
        },
        onChunk: (bytes, index, source) => {
          this.chunkFrom[index] = order.get(source.address) ?? CHUNK_KEPT;
          this.components.traffic.received(bytes, source.address, source.peerId);
          this.bytesDone += bytes;
          this.rate.add(bytes);
          this.hooks.changed(false);
        },
        onRejected: (bytes, index) => {
          this.chunkFrom[index] = CHUNK_MISSING;
          this.bytesDone -= bytes;
          this.hooks.changed(false);
        },
      });
    } catch (err) {
      unlist?.();
      throw err;
    } finally {
      refresh?.stop();
    }
    // Still listed while the file moves into the share: a peer asking meanwhile is served
    // from the partial file, then from the index, never told the file is gone.
    try {
      await this.place(meta);
    } finally {
      unlist?.();
    }
  }

  /**
   * How the fetch keeps to the download limits: each received piece waits for
   * its bytes (per source peer, then in all), about a second's worth at the
   * limit is asked for at once, and request deadlines allow for the limit.
   */
  private limited(
    usable: readonly SourceState[],
  ): Pick<VerifiedDownloadOptions, 'pace' | 'inFlightBudget' | 'floorRate'> {
    const { bandwidth } = this.components;
    if (!bandwidth) return {};
    // Per-peer limits are per host: sources on one host share one.
    const ceiling = (): number =>
      bandwidth.ceiling(
        'down',
        new Set(usable.filter((s) => !s.dropped).map((s) => peerKeyOfAddress(s.address))).size,
      );
    return {
      pace: (source, bytes, signal) =>
        bandwidth.take('down', peerKeyOfAddress(source.address), bytes, signal),
      inFlightBudget: () => ceiling() || Infinity,
      // Shared by every request at once, and halved again in case the limit drops meanwhile.
      floorRate: () => ceiling() / Math.max(1, this.settings.maxRequests) / 2,
    };
  }

  /**
   * Keeps the sources' have-maps fresh and lets found fetchers join `usable`,
   * starting with those the metadata poll's answers `named`.
   */
  private startRefresh(
    meta: FileMeta,
    usable: SourceState[],
    order: Map<string, number>,
    named: ReadonlySet<string>,
    nudge: () => void,
  ): SwarmRefresh | undefined {
    const { self, transport, logger, peerIdAt } = this.components;
    if (!self || !this.settings.swarmRefreshMs) return undefined;
    const refresh = new SwarmRefresh(
      transport,
      this.sources,
      {
        meta,
        self: self(),
        intervalMs: this.settings.swarmRefreshMs,
        timeoutMs: this.settings.metadataTimeoutMs,
        maxSources: this.settings.maxSources ?? 24,
        requestsPerSource: this.settings.maxRequestsPerSource,
      },
      {
        added: (source) => {
          order.set(source.address, order.size);
          usable.push(source);
        },
        changed: () => {
          nudge();
          this.hooks.changed(false);
        },
        ...(peerIdAt ? { peerIdAt } : {}),
      },
      logger.child({ transfer: this.id }),
      this.controller.signal,
    );
    refresh.start(named);
    return refresh;
  }

  /** Moves the verified file into the download folder and indexes it. */
  private async place(meta: FileMeta): Promise<void> {
    const { store, index, logger } = this.components;
    const placed = await placeUnique(
      this.settings.downloadDir,
      this.name,
      store.dataPath(this.sha256),
    );
    this.path = placed.abs;
    // The placed file is a link to the same bytes: the partial state goes once the file is
    // indexed (until then the fetch serves peers from it), and goes even if indexing fails.
    try {
      const inShare = resolveInside(
        this.settings.sharedDir,
        relative(this.settings.sharedDir, placed.abs),
      );
      if (inShare) {
        const rel = toRelPosix(this.settings.sharedDir, placed.abs);
        const s = await stat(placed.abs);
        const found = {
          rel,
          abs: placed.abs,
          size: s.size,
          mtimeMs: Math.floor(s.mtimeMs),
          ino: s.ino,
        };
        if (meta.chunkSize === this.settings.chunkSize) {
          await index.addKnown(found, {
            sha256: meta.sha256,
            chunkHashes: meta.chunkHashes,
            chunkSize: meta.chunkSize,
          });
        } else {
          await index.indexPath(rel);
        }
      }
    } finally {
      await store.remove(this.sha256);
    }
    logger.info(
      { transfer: this.id, sha256: this.sha256, path: placed.abs, size: meta.size },
      'fetch completed',
    );
  }

  /** A fetch by name that found a hash already being fetched ends as that fetch ends. */
  private async follow(other: Promise<TransferOutcome>): Promise<void> {
    const { signal } = this.controller;
    const outcome = await new Promise<TransferOutcome>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      void other.then(resolve);
    });
    const { snapshot } = outcome;
    this.note = `the same file was already being fetched (transfer ${snapshot.id})`;
    if (snapshot.state !== 'completed') {
      throw outcome.error ?? new UnavailableError(`transfer ${snapshot.id} ${snapshot.state}`);
    }
    this.size = snapshot.size;
    this.bytesDone = snapshot.bytesDone;
    this.path = snapshot.path;
    this.name = snapshot.name;
  }

  /** True when this peer already shares the file: nothing to fetch. */
  private async alreadyHave(): Promise<boolean> {
    const entry = this.components.index.get(this.sha256);
    if (!entry) return false;
    this.size = entry.size;
    this.bytesDone = entry.size;
    this.name ||= entry.names[0]!;
    this.path = resolveInside(this.settings.sharedDir, entry.names[0]!) ?? entry.names[0]!;
    this.note ||= 'already shared by this peer';
    await this.components.store.remove(this.sha256);
    return true;
  }

  private async saveState(meta: FileMeta | undefined, verified: string): Promise<void> {
    await this.components.store.save({
      version: 1,
      id: this.id,
      sha256: this.sha256,
      name: this.name,
      note: this.note,
      sources: [...this.sources.keys()],
      ...(meta ? { meta } : {}),
      verified,
      createdAt: this.startedAt,
    });
  }
}
