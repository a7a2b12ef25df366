// Every fetch and push of this daemon: starts, queues, resumes after a
// restart, cancels, and reports progress to the facades and the event bus.
import { randomBytes } from 'node:crypto';
import { PEER_ID_PATTERN, isValidHostPort } from '../config/schema.js';
import type { Startable } from '../core.js';
import { InvalidArgumentError, NotFoundError, UnavailableError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { checkSha256, type FileIndex } from '../index/file-index.js';
import { checkShareName } from '../index/paths.js';
import type { Logger } from '../logger.js';
import { FetchJob, type FetchSettings } from './fetch-job.js';
import { PartialStore, type PartialState } from './partial-store.js';
import { PushJob } from './push-job.js';
import { ServeLimiter } from './serve-limiter.js';
import type { PeerTransport } from './transport.js';
import {
  TERMINAL_STATES,
  type FetchInput,
  type FindSources,
  type PushInput,
  type ResolvePeer,
  type TransferOutcome,
  type TransferSnapshot,
} from './types.js';
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
  upload: UploadPolicy;
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

type Job = FetchJob | PushJob;

interface Entry {
  job: Job;
  listeners: Set<(s: TransferSnapshot) => void>;
  lastReport: number;
  lastEvent: number;
  timer: NodeJS.Timeout | undefined;
  done: Promise<TransferOutcome>;
  settle: (outcome: TransferOutcome) => void;
  running?: Promise<void>;
}

const MAX_SOURCES = 32;
const MAX_NAME_LENGTH = 1024;
/** Slowest rate a push may go at before its deadline passes, bytes/s. */
const PUSH_MIN_RATE = 128 * 1024;

export class TransferManager implements Startable {
  readonly uploads: UploadReceiver;
  readonly serving: ServeLimiter;
  private readonly store: PartialStore;
  private readonly entries = new Map<string, Entry>();
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
    this.store = new PartialStore(init.dataDir, logger);
    this.uploads = new UploadReceiver(
      { index, events, logger },
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
    for (const entry of this.entries.values()) {
      if (entry.job instanceof FetchJob) entry.job.interrupt();
      else entry.job.cancel();
      if (entry.running) running.push(entry.running);
      clearTimeout(entry.timer);
    }
    await Promise.allSettled(running);
    for (const entry of this.entries.values()) {
      entry.settle({
        snapshot: entry.job.snapshot(),
        error: new UnavailableError('the daemon is stopping'),
      });
    }
    this.components.transport.close();
  }

  /** Starts a fetch (or joins the one already fetching that hash). Throws InvalidArgumentError. */
  fetch(input: FetchInput): TransferHandle {
    this.assertRunning();
    const sha256 = input.sha256 ? checkSha256(input.sha256) : undefined;
    const name = input.name?.trim() || undefined;
    if (!sha256 && !name) throw new InvalidArgumentError('give a sha256 or a name to fetch');
    if (name && name.length > MAX_NAME_LENGTH) {
      throw new InvalidArgumentError(`name is longer than ${MAX_NAME_LENGTH} characters`);
    }
    const sources = checkAddresses(input.sources ?? []);
    if (sha256) {
      const existing = this.activeFetch(sha256);
      if (existing) return { id: existing.job.id, created: false, done: existing.done };
    }
    const job = this.newFetch({ id: newId('f'), sources, sha256, name });
    this.enqueue(job);
    return { id: job.id, created: true, done: this.entries.get(job.id)!.done };
  }

  /** Starts pushing a shared file to a peer. Throws InvalidArgument / NotFound errors. */
  push(input: PushInput): TransferHandle {
    this.assertRunning();
    const { index } = this.components;
    let entry;
    if (input.sha256) entry = index.require(input.sha256);
    else if (input.name) {
      entry = index.byName(checkShareName(input.name));
      if (!entry) throw new NotFoundError(`no shared file is named ${input.name}`);
    } else throw new InvalidArgumentError('give the sha256 or the name of a shared file to push');
    const address = this.resolvePeer(input.peer);
    const job: PushJob = new PushJob(
      this.components,
      {
        id: newId('p'),
        entry,
        address,
        self: this.init.self(),
        timeoutMs: 60_000 + Math.ceil((entry.size * 1000) / PUSH_MIN_RATE),
      },
      (important) => this.report(job.id, important),
    );
    const record = this.track(job);
    record.running = job.run().then(() => this.finished(job.id));
    return { id: job.id, created: true, done: record.done };
  }

  list(): TransferSnapshot[] {
    return [...this.entries.values()].map((e) => e.job.snapshot());
  }

  get(id: string): TransferSnapshot {
    return this.entry(id).job.snapshot();
  }

  /** Cancels a transfer; a fetch loses its partial state. Finished ones are left as they are. */
  cancel(id: string): TransferSnapshot {
    const entry = this.entry(id);
    const { job } = entry;
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
    const entry = this.entry(id);
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
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
    const { index, logger, transport, findSources } = this.components;
    const { init } = this;
    const job: FetchJob = new FetchJob(
      { index, logger, transport, store: this.store, ...(findSources ? { findSources } : {}) },
      {
        sharedDir: init.sharedDir,
        downloadDir: init.downloadDir,
        chunkSize: init.chunkSize,
        maxRequests: init.maxRequests,
        maxRequestsPerSource: init.maxRequestsPerSource,
        requestBytes: init.requestBytes,
        stallTimeoutMs: init.stallTimeoutMs,
        metadataTimeoutMs: init.metadataTimeoutMs,
      },
      spec,
      {
        changed: (important) => this.report(job.id, important),
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
    this.track(job);
    if (spec.sha256) this.owners.set(spec.sha256, job.id);
    return job;
  }

  /** Makes `id` the owner of a hash, or returns the outcome of the fetch that owns it. */
  private claim(sha256: string, id: string): Promise<TransferOutcome> | undefined {
    const owner = this.entries.get(this.owners.get(sha256) ?? '');
    if (owner && owner.job.id !== id && !TERMINAL_STATES.has(owner.job.state)) return owner.done;
    this.owners.set(sha256, id);
    return undefined;
  }

  private track(job: Job): Entry {
    let settle!: (outcome: TransferOutcome) => void;
    const done = new Promise<TransferOutcome>((resolve) => (settle = resolve));
    const entry: Entry = {
      job,
      listeners: new Set(),
      lastReport: 0,
      lastEvent: 0,
      timer: undefined,
      done,
      settle,
    };
    this.entries.set(job.id, entry);
    this.forgetOld();
    return entry;
  }

  private enqueue(job: FetchJob): void {
    this.queue.push(job);
    this.pumpQueue();
  }

  private pumpQueue(): void {
    while (!this.stopped && this.active < this.init.maxActiveFetches && this.queue.length > 0) {
      const job = this.queue.shift()!;
      const entry = this.entries.get(job.id)!;
      this.active++;
      entry.running = job.run().finally(() => {
        this.active--;
        this.finished(job.id);
        this.pumpQueue();
      });
    }
  }

  /** Reports a change to listeners (throttled unless important) and as events. */
  private report(id: string, important: boolean): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    const interval = this.init.progressIntervalMs ?? 250;
    const wait = interval - (Date.now() - entry.lastReport);
    if (important || wait <= 0) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      this.deliver(entry, interval);
    } else {
      entry.timer ??= setTimeout(() => {
        entry.timer = undefined;
        this.deliver(entry, interval);
      }, wait);
    }
  }

  private deliver(entry: Entry, interval: number): void {
    const now = Date.now();
    entry.lastReport = now;
    const snapshot = entry.job.snapshot();
    for (const listener of entry.listeners) {
      try {
        listener(snapshot);
      } catch (err) {
        this.components.logger.warn({ err }, 'transfer listener failed');
      }
    }
    if (
      snapshot.kind === 'fetch' &&
      snapshot.state === 'running' &&
      snapshot.size > 0 &&
      now - entry.lastEvent >= interval
    ) {
      entry.lastEvent = now;
      this.components.events.emit('download.progress', {
        transferId: snapshot.id,
        sha256: snapshot.sha256,
        bytesDone: snapshot.bytesDone,
        size: snapshot.size,
        rateBps: snapshot.rateBps,
      });
    }
  }

  /** A job reached its end: final report, events, and the waiters. */
  private finished(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || !TERMINAL_STATES.has(entry.job.state)) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const snapshot = entry.job.snapshot();
    if (entry.job instanceof FetchJob) {
      if (this.owners.get(snapshot.sha256) === id) this.owners.delete(snapshot.sha256);
      const { events } = this.components;
      if (snapshot.state === 'completed') {
        events.emit('download.completed', {
          transferId: id,
          sha256: snapshot.sha256,
          name: snapshot.name,
          size: snapshot.size,
        });
      } else {
        events.emit('download.failed', {
          transferId: id,
          sha256: snapshot.sha256,
          reason: snapshot.error,
        });
      }
    }
    entry.settle({ snapshot, ...(entry.job.error ? { error: entry.job.error } : {}) });
    this.forgetOld();
  }

  /** The unfinished fetch of a hash. */
  private activeFetch(sha256: string): Entry | undefined {
    const owner = this.entries.get(this.owners.get(sha256) ?? '');
    return owner && !TERMINAL_STATES.has(owner.job.state) ? owner : undefined;
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new NotFoundError(`no transfer has id ${id}`);
    return entry;
  }

  private resolvePeer(peer: string): string {
    if (typeof peer !== 'string' || peer.trim() === '') {
      throw new InvalidArgumentError('give the peer to push to (host:port or a neighbor id)');
    }
    if (isValidHostPort(peer)) return peer;
    if (!PEER_ID_PATTERN.test(peer)) {
      throw new InvalidArgumentError(`"${peer}" is neither host:port nor a peer id`);
    }
    const address = this.components.resolvePeer?.(peer);
    if (address) return address;
    if (!this.components.resolvePeer) {
      throw new InvalidArgumentError(
        `"${peer}" is not host:port, and peer ids cannot be resolved until the network overlay is available`,
      );
    }
    throw new NotFoundError(`no neighbor has id ${peer}`);
  }

  /** Drops the oldest finished transfers beyond the number kept. */
  private forgetOld(): void {
    const keep = this.init.keepFinished ?? 100;
    const finished = [...this.entries.values()].filter((e) => TERMINAL_STATES.has(e.job.state));
    for (const e of finished.slice(0, Math.max(0, finished.length - keep))) {
      this.entries.delete(e.job.id);
    }
  }

  private assertRunning(): void {
    if (this.stopped) throw new UnavailableError('the daemon is stopping');
  }
}

function newId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Checks peer addresses given by a user; returns them deduplicated. */
export function checkAddresses(addresses: unknown): string[] {
  if (!Array.isArray(addresses))
    throw new InvalidArgumentError('sources must be a list of host:port');
  if (addresses.length > MAX_SOURCES) {
    throw new InvalidArgumentError(`at most ${MAX_SOURCES} sources can be given`);
  }
  for (const a of addresses) {
    if (typeof a !== 'string' || !isValidHostPort(a)) {
      throw new InvalidArgumentError(`source ${JSON.stringify(a)} is not host:port`);
    }
  }
  return [...new Set(addresses as string[])];
}
