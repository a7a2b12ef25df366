// The one in-process event log: components emit, facades subscribe.
import { randomBytes } from 'node:crypto';
import type { EventEnvelope, EventPayloads, EventType } from './types.js';

export type EventListener = (event: EventEnvelope) => void;

export interface EventBusInit {
  /** Peer id stamped on every envelope. */
  peerId: string;
  /** How many recent events to keep for late subscribers (SSE Last-Event-ID). Default 1000. */
  historySize?: number;
  /**
   * Hold every event until open(), so the opening event (`daemon.started`) is the first
   * one any subscriber sees, and the events of startup follow it in order. Default false.
   */
  held?: boolean;
  /** Told when a subscriber throws (the emitter and the other subscribers go on). */
  onListenerError?: (err: unknown, event: EventEnvelope) => void;
}

/**
 * `<13-digit ms>-<6-digit sequence>-<16 hex digits>`. The fixed-width time and sequence
 * make string order emission order per peer; the last part is random per bus (per daemon
 * run), so peers sharing one JetStream stream, which drops a message whose id it has seen,
 * never reuse each other's ids. Ids from before that part (`<ms>-<seq>`) are still read.
 */
export const EVENT_ID_PATTERN = /^(\d{13})-(\d{6})(?:-[0-9a-f]{16})?$/;
const MAX_SEQ = 999_999;

/** Whether a string is an event id (of this version or the earlier `<ms>-<seq>` form). */
export function isEventId(value: string): boolean {
  return EVENT_ID_PATTERN.test(value);
}

interface HeldEvent {
  type: EventType;
  data: EventPayloads[EventType];
}

export class EventBus {
  private readonly peerId: string;
  private readonly historySize: number;
  private readonly listeners = new Set<EventListener>();
  private readonly history: EventEnvelope[] = [];
  private readonly runTag = randomBytes(8).toString('hex');
  private lastMs = 0;
  private seq = 0;
  private held: HeldEvent[] | undefined;
  private readonly onListenerError: (err: unknown, event: EventEnvelope) => void;

  constructor(init: EventBusInit) {
    this.peerId = init.peerId;
    this.historySize = init.historySize ?? 1000;
    this.onListenerError = init.onListenerError ?? (() => undefined);
    if (init.held) this.held = [];
  }

  /**
   * Stamps the event and hands it to every subscriber. While held, it waits for open()
   * and the result is undefined.
   */
  emit<T extends EventType>(type: T, data: EventPayloads[T]): EventEnvelope<T> | undefined {
    if (!this.held) return this.dispatch(type, data);
    this.held.push({ type, data });
    return undefined;
  }

  /** Emits the opening event, then every held one in emission order; later events flow. */
  open<T extends EventType>(type: T, data: EventPayloads[T]): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.dispatch(type, data);
    for (const event of held) this.dispatch(event.type, event.data);
  }

  private dispatch<T extends EventType>(type: T, data: EventPayloads[T]): EventEnvelope<T> {
    const now = Date.now();
    // The union cannot be built from a generic T; this is the one place that pairs them.
    const envelope = {
      id: this.nextId(now),
      type,
      time: new Date(now).toISOString(),
      peer: this.peerId,
      data,
    } as EventEnvelope as EventEnvelope<T> & EventEnvelope;
    this.history.push(envelope);
    if (this.history.length > this.historySize) this.history.shift();
    for (const listener of this.listeners) {
      try {
        listener(envelope);
      } catch (err) {
        // A failing subscriber must not break the emitter or the others; it is a bug, so say so.
        this.onListenerError(err, envelope);
      }
    }
    return envelope;
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events kept in history with an id greater than `afterId` (all when undefined). */
  since(afterId?: string): EventEnvelope[] {
    if (afterId === undefined) return [...this.history];
    return this.history.filter((e) => e.id > afterId);
  }

  /**
   * Makes every later id greater than `id`, e.g. the last id a previous run of this
   * peer persisted: a clock that went back must not reuse an id (NATS would
   * discard the new event as a duplicate of the old one).
   */
  resumeAfter(id: string | undefined): void {
    const m = id === undefined ? null : EVENT_ID_PATTERN.exec(id);
    if (!m) return;
    const ms = Number(m[1]);
    const seq = Number(m[2]);
    if (ms > this.lastMs || (ms === this.lastMs && seq > this.seq)) {
      this.lastMs = ms;
      this.seq = seq;
    }
  }

  /** Monotonic ids: ms time, then a per-ms sequence; a full sequence borrows the next ms. */
  private nextId(now: number): string {
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else if (this.seq < MAX_SEQ) {
      this.seq++;
    } else {
      this.lastMs++;
      this.seq = 0;
    }
    return `${String(this.lastMs).padStart(13, '0')}-${String(this.seq).padStart(6, '0')}-${this.runTag}`;
  }
}

/**
 * Matches an event type against filters, token by token as NATS does: `*` is one
 * token, a trailing `>` one or more (`download.*`, `peer.>`, `*.completed`,
 * `file.added`). A lone `*` or `>` matches every type.
 */
export function matchesTypes(type: string, filters: readonly string[]): boolean {
  if (filters.length === 0) return true;
  const tokens = type.split('.');
  return filters.some((f) => f === '*' || f === '>' || matchesSubject(f.split('.'), tokens));
}

/** NATS subject matching on pre-split tokens. */
export function matchesSubject(pattern: readonly string[], tokens: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '>') return i === pattern.length - 1 && tokens.length > i;
    if (i >= tokens.length) return false;
    if (p !== '*' && p !== tokens[i]) return false;
  }
  return pattern.length === tokens.length;
}
