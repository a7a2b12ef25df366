// Every fetch and push of this daemon: starts, queues, resumes after a
// restart, cancels, and reports progress to the facades and the event bus.
import type { Startable } from '../core.js';
import { InvalidArgumentError, NotFoundError, UnavailableError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { FileIndex } from '../index/file-index.js';
import { checkShareName } from '../index/paths.js';
import type { Logger } from '../logger.js';
import { BandwidthLimiter, type BandwidthLimits } from './bandwidth/bandwidth-limiter.js';
import { endSpareChunkThreads } from './chunk-thread.js';
import { FetchJob, type FetchSettings } from './fetch-job.js';
import { PartialStore, type PartialState } from './partial-store.js';
import { PushJob } from './push-job.js';
import { ServeLimiter } from './serving/serve-limiter.js';
import { SwarmServer } from './serving/swarm-server.js';
import { checkFetchInput, isOwnAddress, newId, pushTarget } from './transfer-input.js';
import { TransferRegistry, type Entry } from './transfer-registry.js';
import type { PeerTransport } from './transport.js';
import {
  TERMINAL_STATES,
  type ChunkSourceMap,
  type FetchInput,
  type FindSources,
  type PushInput,
  type ResolvePeer,
  type TransferOutcome,
  type TransferSnapshot,
} from './types.js';
import { TrafficCounter, type Direction } from './traffic.js';
import { UploadReceiver, type UploadPolicy } from './upload-receiver.js';

export interface TransferManagerComponents {
  index: FileIndex;
  events: EventBus;
  logger: Logger;
  transport: PeerTransport;
  /** Network search for sources (the overlay); absent until the overlay exists. */
  findSources?: FindSources;
  /** Neighbor id to address (the overlay). */
  resolvePeer?: ResolvePeer;
  /** Address to neighbor id (the overlay), to name sources given by address. */
  peerIdAt?: (address: string) => string | undefined;
  /** Sees every byte the traffic counter counts (the byte metrics). */
  onBytes?: (direction: Direction, bytes: number) => void;
  /** A transfer was held back by a bandwidth limit for `ms` (the throttle metric). */
  onThrottled?: (direction: Direction, ms: number) => void;
}

export interface TransferManagerInit extends Omit<FetchSettings, 'chunkSize'> {
  /** This peer's id and advertised address, sent with pushes. */
  self: () => { id: string; address: string };
  dataDir: string;
  /** The index's chunk size. */
  chunkSize: number;
  maxActiveFetches: number;
  maxServeStreamsPerPeer: number;
  maxServeStreams: number;
  /** Peers uploaded to at once (see UploadSlots); 0: no choking. */
  uploadSlots: number;
  rechokeMs: number;
  upload: UploadPolicy;
  /** Bandwidth limits at start (bytes/s, 0: none); changed at run time through `bandwidth`. */
  limits?: BandwidthLimits;
  /** Least time between two progress reports of one transfer, ms (default 250). */
  progressIntervalMs?: number;
  /** Finished transfers remembered for ListTransfers (default 100). */
  keepFinished?: number;
}

export interface TransferHandle {
  id: string;
  /** False when the request joined a fetch of the same file already under way. */
  created: boolean;
  /** Settles when the transfer reaches a final state (or the daemon stops). */
  done: Promise<TransferOutcome>;
}

/** Slowest rate a push may go at before its deadline passes, bytes/s. */
const PUSH_MIN_RATE = 128 * 1024;

export class TransferManager implements Startable {
  readonly uploads: UploadReceiver;
  readonly serving: ServeLimiter;
  /** GetFile and Download for other peers: complete files and fetches under way. */
  readonly swarm: SwarmServer;
  /** Bytes moved, in total and per peer: rates are sampled from it. */
  readonly traffic: TrafficCounter;
  /** Upload and download limits every transfer keeps to (and a relay would). */
  readonly bandwidth: BandwidthLimiter;
  private readonly store: PartialStore;
  private readonly entries: TransferRegistry;
  private readonly queue: FetchJob[] = [];
  /** Which fetch owns each hash (its partial files are keyed by hash). */
  private readonly owners = new Map<string, string>();
  private active = 0;
  private stopped = false;

  constructor(
    private readonly components: TransferManagerComponents,
    private readonly init: TransferManagerInit,
  ) {
    const { index, events, logger } = components;
    this.traffic = new TrafficCounter(components.onBytes);
    this.bandwidth = new BandwidthLimiter(
      {
        events,
        logger,
        ...(components.onThrottled ? { onThrottled: components.onThrottled } : {}),
      },
      init.limits ?? { upload: 0, download: 0, perPeerUpload: 0, perPeerDownload: 0 },
    );
    this.store = new PartialStore(init.dataDir, logger);
    this.entries = new TransferRegistry({ events, logger }, init);
    this.uploads = new UploadReceiver(
      { index, events, logger, bandwidth: this.bandwidth },
      {
        sharedDir: init.sharedDir,
        dataDir: init.dataDir,
        chunkSize: init.chunkSize,
        policy: init.upload,
      },
    );
    this.serving = new ServeLimiter({
      maxStreamsPerPeer: init.maxServeStreamsPerPeer,
      maxStreams: init.maxServeStreams,
    });
    this.swarm = new SwarmServer(
      { index, traffic: this.traffic, limiter: this.serving, bandwidth: this.bandwidth },
      { uploadSlots: init.uploadSlots, rechokeMs: init.rechokeMs },
    );
  }

  /** Resumes the fetches a previous run left unfinished. */
  async start(): Promise<void> {
    this.stopped = false;
    for (const state of await this.store.list()) this.resume(state);
  }

  /** Interrupts running transfers (fetches keep their partial state) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    const running: Promise<void>[] = [];
    for (const entry of this.entries.all()) {
      if (entry.job instanceof FetchJob) entry.job.interrupt();
      else entry.job.cancel();
      if (entry.running) running.push(entry.running);
      clearTimeout(entry.timer);
    }
    await Promise.allSettled(running);
    for (const entry of this.entries.all()) {
      entry.settle({
        snapshot: entry.job.snapshot(),
        error: new UnavailableError('the daemon is stopping'),
      });
    }
    this.components.transport.close();
    // The threads fetches left for the next ones: the daemon has no next one.
    await endSpareChunkThreads();
  }

  /** Starts a fetch (or joins the one already fetching that hash). Throws InvalidArgumentError. */
  fetch(input: FetchInput): TransferHandle {
    this.assertRunning();
    const { sha256, name, sources } = checkFetchInput(input);
    if (sha256) {
      const existing = this.activeFetch(sha256);
      if (existing) return { id: existing.job.id, created: false, done: existing.done };
    }
    const job = this.newFetch({ id: newId('f'), sources, sha256, name });
    this.enqueue(job);
    return { id: job.id, created: true, done: this.entries.get(job.id).done };
  }

  /** Starts pushing a shared file to a peer. Throws InvalidArgument / NotFound errors. */
  push(input: PushInput): TransferHandle {
    this.assertRunning();
    const { index } = this.components;
    let entry;
    if (input.sha256 && input.name) {
      throw new InvalidArgumentError('give the sha256 or the name of the file to push, not both');
    }
    if (input.sha256) entry = index.require(input.sha256);
    else if (input.name) {
      entry = index.byName(checkShareName(input.name));
      if (!entry) throw new NotFoundError(`no shared file is named ${input.name}`);
    } else throw new InvalidArgumentError('give the sha256 or the name of a shared file to push');
    if (input.peer === this.init.self().id) {
      throw new InvalidArgumentError(`${input.peer} is this peer; push to another peer`);
    }
    const address = pushTarget(input.peer, this.components.resolvePeer);
    // A push to oneself would only copy the file into our own incoming/ folder.
    if (isOwnAddress(address, this.init.self())) {
      throw new InvalidArgumentError(`${address} is this peer; push to another peer`);
    }
    const job: PushJob = new PushJob(
      { ...this.components, traffic: this.traffic, bandwidth: this.bandwidth },
      {
        id: newId('p'),
        entry,
        address,
        self: this.init.self(),
        // An upload limit below the usual floor stretches the deadline to match.
        timeoutMs:
          60_000 +
          Math.ceil(
            (entry.size * 1000) / Math.min(PUSH_MIN_RATE, this.bandwidth.ceiling('up') || Infinity),
          ),
      },
      (important) => this.entries.report(job.id, important),
    );
    const record = this.entries.add(job);
    record.running = job.run().then(() => this.finished(job.id));
    return { id: job.id, created: true, done: record.done };
  }

  list(): TransferSnapshot[] {
    return [...this.entries.all()].map((e) => e.job.snapshot());
  }

  get(id: string): TransferSnapshot {
    return this.entries.get(id).job.snapshot();
  }

  /** Which source delivered each chunk of a fetch; empty for a push. NotFoundError for an unknown id. */
  chunks(id: string): ChunkSourceMap {
    const { job } = this.entries.get(id);
    return job instanceof FetchJob ? job.chunkMap() : { count: 0, sources: [], runs: [] };
  }

  /** Cancels a transfer; a fetch loses its partial state. Finished ones are left as they are. */
  cancel(id: string): TransferSnapshot {
    const { job } = this.entries.get(id);
    if (!TERMINAL_STATES.has(job.state)) {
      const queued = this.queue.indexOf(job as FetchJob);
      if (queued >= 0) this.queue.splice(queued, 1);
      job.cancel();
      // A queued job ends at once; a running one when its requests have stopped.
      if (queued >= 0) this.finished(job.id);
    }
    return job.snapshot();
  }

  /** Calls `listener` with snapshots (throttled) until unsubscribed. */
  watch(id: string, listener: (s: TransferSnapshot) => void): () => void {
    return this.entries.watch(id, listener);
  }

  private resume(state: PartialState): void {
    const job = this.newFetch({
      id: state.id,
      sources: state.sources,
      sha256: state.sha256,
      resumed: state,
    });
    this.components.logger.info({ transfer: job.id, sha256: state.sha256 }, 'resuming fetch');
    this.enqueue(job);
  }

  private newFetch(spec: ConstructorParameters<typeof FetchJob>[2]): FetchJob {
    const { index, logger, transport, findSources, peerIdAt } = this.components;
    const { init } = this;
    const job: FetchJob = new FetchJob(
      {
        index,
        logger,
        transport,
        store: this.store,
        traffic: this.traffic,
        bandwidth: this.bandwidth,
        partials: this.swarm.partials,
        self: () => this.init.self().address,
        ...(findSources ? { findSources } : {}),
        ...(peerIdAt ? { peerIdAt } : {}),
      },
      {
        sharedDir: init.sharedDir,
        downloadDir: init.downloadDir,
        chunkSize: init.chunkSize,
        maxRequests: init.maxRequests,
        maxRequestsPerSource: init.maxRequestsPerSource,
        requestBytes: init.requestBytes,
        stallTimeoutMs: init.stallTimeoutMs,
        metadataTimeoutMs: init.metadataTimeoutMs,
        directIo: init.directIo,
        spotCheckOneIn: init.spotCheckOneIn,
        swarmRefreshMs: init.swarmRefreshMs,
        maxSources: init.maxSources,
      },
      spec,
      {
        changed: (important) => this.entries.report(job.id, important),
        claim: (sha256) => this.claim(sha256, job.id),
        started: () => {
          const s = job.snapshot();
          this.components.events.emit('download.started', {
            transferId: s.id,
            sha256: s.sha256,
            name: s.name,
            size: s.size,
          });
        },
      },
    );
    this.entries.add(job);
    if (spec.sha256) this.owners.set(spec.sha256, job.id);
    return job;
  }

  /** Makes `id` the owner of a hash, or returns the outcome of the fetch that owns it. */
  private claim(sha256: string, id: string): Promise<TransferOutcome> | undefined {
    const owner = this.entries.find(this.owners.get(sha256) ?? '');
    if (owner && owner.job.id !== id && !TERMINAL_STATES.has(owner.job.state)) return owner.done;
    this.owners.set(sha256, id);
    return undefined;
  }

  private enqueue(job: FetchJob): void {
    this.queue.push(job);
    this.pumpQueue();
  }

  private pumpQueue(): void {
    while (!this.stopped && this.active < this.init.maxActiveFetches && this.queue.length > 0) {
      const job = this.queue.shift()!;
      const entry = this.entries.get(job.id);
      this.active++;
      entry.running = job.run().finally(() => {
        this.active--;
        this.finished(job.id);
        this.pumpQueue();
      });
    }
  }

  /** A job reached its end: its hash is free again; final report, events and waiters. */
  private finished(id: string): void {
    const entry = this.entries.find(id);
    if (!entry || !TERMINAL_STATES.has(entry.job.state)) return;
    if (entry.job instanceof FetchJob && this.owners.get(entry.job.sha256) === id) {
      this.owners.delete(entry.job.sha256);
    }
    this.entries.finished(id);
  }

  /** The unfinished fetch of a hash. */
  private activeFetch(sha256: string): Entry | undefined {
    const owner = this.entries.find(this.owners.get(sha256) ?? '');
    return owner && !TERMINAL_STATES.has(owner.job.state) ? owner : undefined;
  }

  private assertRunning(): void {
    if (this.stopped) throw new UnavailableError('the daemon is stopping');
  }
}
