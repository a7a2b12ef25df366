// The one in-process event log: components emit, facades subscribe.
import type { EventEnvelope, EventPayloads, EventType } from './types.js';

export type EventListener = (event: EventEnvelope) => void;

export interface EventBusInit {
  /** Peer id stamped on every envelope. */
  peerId: string;
  /** How many recent events to keep for late subscribers (SSE Last-Event-ID). Default 1000. */
  historySize?: number;
}

export class EventBus {
  private readonly peerId: string;
  private readonly historySize: number;
  private readonly listeners = new Set<EventListener>();
  private readonly history: EventEnvelope[] = [];
  private lastMs = 0;
  private seq = 0;

  constructor(init: EventBusInit) {
    this.peerId = init.peerId;
    this.historySize = init.historySize ?? 1000;
  }

  emit<T extends EventType>(type: T, data: EventPayloads[T]): EventEnvelope<T> {
    const now = Date.now();
    const envelope: EventEnvelope<T> = {
      id: this.nextId(now),
      type,
      time: new Date(now).toISOString(),
      peer: this.peerId,
      data,
    };
    this.history.push(envelope);
    if (this.history.length > this.historySize) this.history.shift();
    for (const listener of this.listeners) {
      try {
        listener(envelope);
      } catch {
        // A failing subscriber must not break the emitter or the others.
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

  /** Monotonic ids: 13-digit ms time, then a per-ms sequence, so string order is time order. */
  private nextId(now: number): string {
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return `${String(this.lastMs).padStart(13, '0')}-${String(this.seq).padStart(6, '0')}`;
  }
}

/** Matches an event type against filters like `download.*`, `peer.>` or `file.added`. */
export function matchesTypes(type: string, filters: readonly string[]): boolean {
  if (filters.length === 0) return true;
  return filters.some((f) => {
    if (f === '*' || f === '>') return true;
    if (f.endsWith('.*') || f.endsWith('.>')) return type.startsWith(f.slice(0, -1));
    return f === type;
  });
}
