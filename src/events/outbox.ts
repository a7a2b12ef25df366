// Events not yet delivered to NATS, in order, in memory and in an append-only
// JSONL file in the data folder, so they survive a daemon restart.
//
// File lines: `{"e":<envelope>}` queues an event, `{"ack":[ids]}` and
// `{"drop":[ids]}` remove events, `{"last":"<id>"}` records the highest id ever
// queued (kept across compaction so a restarted bus never reuses an id).
// A torn last line (crash mid-write) is skipped on load.
//
// Bounded twice: by events (maxEvents) and by the file's bytes (maxBytes).
// Queued events are held to 3/4 of maxBytes and the file is compacted before
// a record would take it past maxBytes, so neither memory nor disk grows with
// an outage. What goes first is outbox-policy.ts's business.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync } from 'node:fs';
import { PEER_ID_PATTERN } from '../config/schema.js';
import { writeFullySync } from '../write-fully.js';
import { DROP_TIERS, dropTier, lowWater } from './outbox-policy.js';
import { EVENT_TYPES, type EventEnvelope, type EventType } from './types.js';

export interface OutboxInit {
  /** The JSONL file. */
  file: string;
  /** Most events queued; past it events are dropped by tier down to 90% of it. */
  maxEvents: number;
  /** The file never grows past it; queued events are held to 3/4 of it. Default 16 MiB. */
  maxBytes?: number;
  /** Removal lines tolerated before the file is rewritten with only the live events (default 1000). */
  compactAfter?: number;
  /** Told of every event dropped to stay within the bounds. */
  onDrop?: (type: EventType) => void;
}

export interface OutboxLoad {
  /** Events restored from the file. */
  restored: number;
  /** Lines that could not be parsed (a torn write). */
  skippedLines: number;
}

interface Entry {
  event: EventEnvelope;
  /** Bytes of its `{"e":…}` line. */
  bytes: number;
  tier: number;
}

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

export class Outbox {
  private entries: Entry[] = [];
  /** Head entries handed out by take() and not yet settled; never dropped. */
  private inFlight = 0;
  private fd: number | undefined;
  private removalLines = 0;
  /** Queued events per drop tier, so empty tiers are not scanned. */
  private readonly perTier = DROP_TIERS.map(() => 0);
  private liveBytes = 0;
  private fileBytes = 0;
  /** Highest id ever queued, persisted. */
  lastId: string | undefined;
  /** Events dropped since open. */
  dropped = 0;

  constructor(private readonly init: OutboxInit) {}

  get size(): number {
    return this.entries.length;
  }

  /** Bytes of the file as written (what p2pd_nats_outbox_bytes reports). */
  get bytes(): number {
    return this.fileBytes;
  }

  private get maxBytes(): number {
    return this.init.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** Loads what a previous run left, trims it to the bounds, compacts the file and opens it. */
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
    const events = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.entries = [];
    this.perTier.fill(0);
    this.liveBytes = 0;
    for (const event of events) this.add(event);
    // A file from a run with larger bounds is trimmed now; the compaction records it.
    if (this.overBounds()) this.trim();
    this.compact();
    return { restored: this.entries.length, skippedLines };
  }

  /** Queues an event and persists it before returning (or drops it, if it is the least valuable). */
  append(event: EventEnvelope): void {
    this.noteId(event.id);
    const entry = this.add(event);
    const dropped = this.overBounds() ? this.trim() : [];
    const newcomerDropped = dropped.includes(event.id);
    const others = newcomerDropped ? dropped.filter((id) => id !== event.id) : dropped;
    const records: object[] = others.length > 0 ? [{ drop: others }] : [];
    // A dropped newcomer still moves `last` on, or a restart could reuse its id.
    records.push(newcomerDropped ? { last: event.id } : { e: entry.event });
    this.persist(records, others.length > 0 ? 1 : 0);
  }

  /** The oldest `max` events, marked in flight until settle(). */
  take(max: number): EventEnvelope[] {
    const batch = this.entries.slice(0, max).map((e) => e.event);
    this.inFlight = batch.length;
    return batch;
  }

  /** Ends the in-flight batch: removes the delivered ids, keeps the rest queued in order. */
  settle(delivered: readonly string[]): void {
    this.inFlight = 0;
    if (delivered.length === 0) return;
    const ids = new Set(delivered);
    const kept: Entry[] = [];
    for (const e of this.entries) {
      if (ids.has(e.event.id)) this.forget(e);
      else kept.push(e);
    }
    this.entries = kept;
    this.persist([{ ack: delivered }], 1);
    if (this.removalLines >= (this.init.compactAfter ?? 1000)) this.compact();
  }

  /** Flushes to disk and closes the file; what is left is delivered by the next run. */
  close(): void {
    if (this.fd === undefined) return;
    this.compact();
    closeSync(this.fd);
    this.fd = undefined;
  }

  private add(event: EventEnvelope): Entry {
    const entry: Entry = {
      event,
      bytes: Buffer.byteLength(JSON.stringify({ e: event })) + 1,
      tier: dropTier(event.type),
    };
    this.entries.push(entry);
    this.perTier[entry.tier]!++;
    this.liveBytes += entry.bytes;
    return entry;
  }

  private forget(entry: Entry): void {
    this.perTier[entry.tier]!--;
    this.liveBytes -= entry.bytes;
  }

  private overBounds(): boolean {
    return (
      this.entries.length > this.init.maxEvents || this.liveBytes > liveByteLimit(this.maxBytes)
    );
  }

  /**
   * Drops events not in flight, lowest tier first and oldest first within a tier, until
   * both counts are 10% under their bounds. Returns the dropped ids.
   */
  private trim(): string[] {
    let excessEvents = this.entries.length - lowWater(this.init.maxEvents);
    let excessBytes = this.liveBytes - lowWater(liveByteLimit(this.maxBytes));
    const victims = new Set<Entry>();
    for (let tier = 0; tier < DROP_TIERS.length; tier++) {
      if (excessEvents <= 0 && excessBytes <= 0) break;
      if (this.perTier[tier] === 0) continue;
      for (let i = this.inFlight; i < this.entries.length; i++) {
        const e = this.entries[i]!;
        if (e.tier !== tier) continue;
        victims.add(e);
        excessEvents--;
        excessBytes -= e.bytes;
        if (excessEvents <= 0 && excessBytes <= 0) break;
      }
    }
    if (victims.size === 0) return [];
    this.entries = this.entries.filter((e) => !victims.has(e));
    const ids: string[] = [];
    for (const e of victims) {
      this.forget(e);
      ids.push(e.event.id);
      this.init.onDrop?.(e.event.type);
    }
    this.dropped += ids.length;
    return ids;
  }

  /** Appends records, or compacts instead when they would take the file past maxBytes. */
  private persist(records: object[], removals: number): void {
    if (this.fd === undefined) throw new Error('outbox is not open');
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    const bytes = Buffer.byteLength(text);
    if (this.fileBytes + bytes > this.maxBytes) {
      // The compacted file holds only live events: the records are in it already.
      this.compact();
      return;
    }
    writeFullySync(this.fd, text);
    this.fileBytes += bytes;
    this.removalLines += removals;
  }

  /** Rewrites the file with only the live events (write, fsync, rename). */
  private compact(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const tmp = `${this.init.file}.tmp`;
    const lines = this.lastId === undefined ? [] : [JSON.stringify({ last: this.lastId })];
    for (const e of this.entries) lines.push(JSON.stringify({ e: e.event }));
    const text = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    const fd = openSync(tmp, 'w');
    try {
      writeFullySync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.init.file);
    this.fd = openSync(this.init.file, 'a');
    this.fileBytes = Buffer.byteLength(text);
    this.removalLines = 0;
  }

  private noteId(id: string): void {
    if (this.lastId === undefined || id > this.lastId) this.lastId = id;
  }
}

/** Queued events may take 3/4 of the file; the rest is room for ack and drop records. */
function liveByteLimit(maxBytes: number): number {
  return Math.floor((maxBytes * 3) / 4);
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
