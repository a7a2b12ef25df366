// Events not yet delivered to NATS, in order, in memory and in an append-only
// JSONL file in the data folder, so they survive a daemon restart.
//
// File lines: `{"e":<envelope>}` queues an event, `{"ack":[ids]}` and
// `{"drop":[ids]}` remove events, `{"last":"<id>"}` records the highest id ever
// queued (kept across compaction so a restarted bus never reuses an id).
// A torn last line (crash mid-write) is skipped on load.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { PEER_ID_PATTERN } from '../config/schema.js';
import { EVENT_TYPES, type EventEnvelope, type EventType } from './types.js';

export interface OutboxInit {
  /** The JSONL file. */
  file: string;
  /**
   * Soft bound: beyond it the oldest `download.progress` events are dropped. Other
   * types are never dropped, so with none left to drop the outbox grows past it.
   */
  maxEvents: number;
  /** Removal lines tolerated before the file is rewritten with only the live events (default 1000). */
  compactAfter?: number;
}

export interface OutboxLoad {
  /** Events restored from the file. */
  restored: number;
  /** Lines that could not be parsed (a torn write). */
  skippedLines: number;
}

/** The type the outbox may drop when full. */
export const DROPPABLE_TYPE: EventType = 'download.progress';

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

export class Outbox {
  private entries: EventEnvelope[] = [];
  /** Head entries handed out by take() and not yet settled; never dropped. */
  private inFlight = 0;
  private fd: number | undefined;
  private removalLines = 0;
  /** Queued events of the droppable type, so a full outbox with none skips the scan. */
  private droppable = 0;
  /** Highest id ever queued, persisted. */
  lastId: string | undefined;
  /** Progress events dropped since open. */
  dropped = 0;

  constructor(private readonly init: OutboxInit) {}

  get size(): number {
    return this.entries.length;
  }

  /** Loads what a previous run left, compacts the file and opens it for appending. */
  open(): OutboxLoad {
    const byId = new Map<string, EventEnvelope>();
    let skippedLines = 0;
    let text = '';
    try {
      text = readFileSync(this.init.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        skippedLines++;
        continue;
      }
      if (isEnvelope(record.e)) {
        byId.set(record.e.id, record.e);
        this.noteId(record.e.id);
      } else if (Array.isArray(record.ack) || Array.isArray(record.drop)) {
        for (const id of [
          ...((record.ack as unknown[]) ?? []),
          ...((record.drop as unknown[]) ?? []),
        ]) {
          if (typeof id === 'string') byId.delete(id);
        }
      } else if (typeof record.last === 'string') {
        this.noteId(record.last);
      } else {
        skippedLines++;
      }
    }
    this.entries = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.droppable = this.entries.filter((e) => e.type === DROPPABLE_TYPE).length;
    this.compact();
    return { restored: this.entries.length, skippedLines };
  }

  /** Queues an event and persists it before returning. */
  append(event: EventEnvelope): void {
    this.entries.push(event);
    if (event.type === DROPPABLE_TYPE) this.droppable++;
    this.noteId(event.id);
    this.write({ e: event });
    if (this.entries.length > this.init.maxEvents) this.dropProgress();
  }

  /** The oldest `max` events, marked in flight until settle(). */
  take(max: number): EventEnvelope[] {
    const batch = this.entries.slice(0, max);
    this.inFlight = batch.length;
    return batch;
  }

  /** Ends the in-flight batch: removes the delivered ids, keeps the rest queued in order. */
  settle(delivered: readonly string[]): void {
    this.inFlight = 0;
    if (delivered.length === 0) return;
    const ids = new Set(delivered);
    let prefix = 0;
    while (prefix < this.entries.length && ids.has(this.entries[prefix]!.id)) prefix++;
    const removed =
      prefix === ids.size
        ? this.entries.splice(0, prefix)
        : this.entries.filter((e) => ids.has(e.id));
    if (prefix !== ids.size) this.entries = this.entries.filter((e) => !ids.has(e.id));
    this.droppable -= removed.filter((e) => e.type === DROPPABLE_TYPE).length;
    this.write({ ack: delivered });
    this.removalLines++;
    if (this.removalLines >= (this.init.compactAfter ?? 1000)) this.compact();
  }

  /** Flushes to disk and closes the file; what is left is delivered by the next run. */
  close(): void {
    if (this.fd === undefined) return;
    this.compact();
    closeSync(this.fd);
    this.fd = undefined;
  }

  /** Drops the oldest progress events not in flight until back at maxEvents (if it can). */
  private dropProgress(): void {
    const excess = this.entries.length - this.init.maxEvents;
    if (this.droppable === 0) return;
    const dropped: string[] = [];
    const kept: EventEnvelope[] = [];
    this.entries.forEach((e, i) => {
      if (dropped.length < excess && i >= this.inFlight && e.type === DROPPABLE_TYPE) {
        dropped.push(e.id);
      } else {
        kept.push(e);
      }
    });
    if (dropped.length === 0) return;
    this.entries = kept;
    this.droppable -= dropped.length;
    this.dropped += dropped.length;
    this.write({ drop: dropped });
    this.removalLines++;
  }

  /** Rewrites the file with only the live events (write, fsync, rename). */
  private compact(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    const tmp = `${this.init.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      const lines = this.lastId === undefined ? [] : [JSON.stringify({ last: this.lastId })];
      for (const e of this.entries) lines.push(JSON.stringify({ e }));
      writeSync(fd, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.init.file);
    this.fd = openSync(this.init.file, 'a');
    this.removalLines = 0;
  }

  private write(record: object): void {
    if (this.fd === undefined) throw new Error('outbox is not open');
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  private noteId(id: string): void {
    if (this.lastId === undefined || id > this.lastId) this.lastId = id;
  }
}

function isEnvelope(value: unknown): value is EventEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    typeof e.type === 'string' &&
    KNOWN_TYPES.has(e.type) &&
    typeof e.time === 'string' &&
    typeof e.peer === 'string' &&
    PEER_ID_PATTERN.test(e.peer) &&
    typeof e.data === 'object' &&
    e.data !== null
  );
}
