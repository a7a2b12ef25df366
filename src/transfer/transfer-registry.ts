// The transfers this daemon knows of, running and recently finished: who
// listens to each, progress reports (throttled) to them and as events, and
// the final report, events and outcome when a transfer ends.
import { NotFoundError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { FetchJob } from './fetch-job.js';
import type { PushJob } from './push-job.js';
import { TERMINAL_STATES, type TransferOutcome, type TransferSnapshot } from './types.js';

export type Job = FetchJob | PushJob;

export interface Entry {
  job: Job;
  listeners: Set<(s: TransferSnapshot) => void>;
  lastReport: number;
  lastEvent: number;
  timer: NodeJS.Timeout | undefined;
  done: Promise<TransferOutcome>;
  settle: (outcome: TransferOutcome) => void;
  running?: Promise<void>;
}

export interface TransferRegistryInit {
  /** Least time between two progress reports of one transfer, ms (default 250). */
  progressIntervalMs?: number;
  /** Finished transfers remembered (default 100). */
  keepFinished?: number;
}

export class TransferRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly components: { events: EventBus; logger: Logger },
    private readonly init: TransferRegistryInit,
  ) {}

  add(job: Job): Entry {
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

  find(id: string): Entry | undefined {
    return this.entries.get(id);
  }

  /** The entry of `id`; NotFoundError when there is none. */
  get(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new NotFoundError(`no transfer has id ${id}`);
    return entry;
  }

  all(): IterableIterator<Entry> {
    return this.entries.values();
  }

  /** Calls `listener` with snapshots (throttled) until unsubscribed. */
  watch(id: string, listener: (s: TransferSnapshot) => void): () => void {
    const entry = this.get(id);
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  /** Reports a change to listeners (throttled unless important) and as events. */
  report(id: string, important: boolean): void {
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

  /** A job reached its end: final report, events, and the waiters. Returns its snapshot. */
  finished(id: string): TransferSnapshot | undefined {
    const entry = this.entries.get(id);
    if (!entry || !TERMINAL_STATES.has(entry.job.state)) return undefined;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const snapshot = entry.job.snapshot();
    if (entry.job instanceof FetchJob) {
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
    return snapshot;
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

  /** Drops the oldest finished transfers beyond the number kept. */
  private forgetOld(): void {
    const keep = this.init.keepFinished ?? 100;
    const finished = [...this.entries.values()].filter((e) => TERMINAL_STATES.has(e.job.state));
    for (const e of finished.slice(0, Math.max(0, finished.length - keep))) {
      this.entries.delete(e.job.id);
    }
  }
}
