// Addresses of peers this peer has heard of, with a per-address dial backoff.
// Kept in `<dataDir>/hosts.json` so a restarted peer can rejoin even when its
// bootstrap peers are gone.
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { checkAddress, checkPeerId } from './validate.js';

export interface HostCacheInit {
  dataDir: string;
  /** Most addresses kept; bootstrap addresses are never evicted. */
  maxEntries: number;
  dialBackoffMs: number;
  maxDialBackoffMs: number;
  /** Consecutive failures after which a non-bootstrap address is forgotten. */
  forgetAfterFailures?: number;
}

export interface HostEntry {
  address: string;
  /** Peer id last seen at this address, when known. */
  id?: string;
  /** Epoch ms of the last successful contact; 0 when never. */
  lastSeenMs: number;
  failures: number;
  /** Do not dial before this epoch ms. */
  nextDialMs: number;
  bootstrap: boolean;
  /** Why the last dial failed ('' after a success). */
  lastError: string;
}

/** A bootstrap address as `status` shows it. */
export interface BootstrapView {
  address: string;
  state: 'connected' | 'pending' | 'failing';
  failures: number;
  lastError: string;
  /** Epoch ms of the next dial; 0 when due or connected. */
  nextDialMs: number;
}

interface StoredHost {
  address: string;
  id?: string;
  lastSeenMs: number;
}

const SAVE_DELAY_MS = 2000;
/**
 * A failing address seen this recently is kept whatever its failures: a
 * partition makes a whole half of the network fail for a while, and the
 * addresses are what lets the halves find each other again.
 */
const KEEP_SEEN_MS = 60 * 60_000;

export class HostCache {
  private readonly hosts = new Map<string, HostEntry>();
  /** Addresses that turned out to be this peer: never dialled. */
  private readonly own = new Set<string>();
  private readonly file: string;
  private saveTimer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private readonly logger: Logger,
    private readonly init: HostCacheInit,
  ) {
    this.file = join(init.dataDir, 'hosts.json');
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.warn({ err, file: this.file }, 'cannot read the host cache; starting empty');
      }
      return;
    }
    try {
      const stored = (JSON.parse(text) as { hosts?: unknown }).hosts;
      if (!Array.isArray(stored)) throw new Error('no "hosts" array');
      for (const h of stored as StoredHost[]) {
        if (!isValidStored(h)) continue;
        this.upsert(h.address).lastSeenMs = h.lastSeenMs;
        if (h.id) this.upsert(h.address).id = h.id;
      }
    } catch (err) {
      this.logger.warn({ err, file: this.file }, 'host cache is corrupt; starting empty');
    }
  }

  /** Bootstrap addresses: kept forever, dialled first. */
  addBootstrap(addresses: readonly string[]): void {
    for (const address of addresses) this.upsert(address).bootstrap = true;
  }

  /** An address someone told us about. */
  learn(address: string, id?: string): void {
    if (this.own.has(address)) return;
    const entry = this.upsert(address);
    if (id && !entry.id) entry.id = id;
    this.changed();
  }

  /** A successful contact: the address is good again. */
  succeeded(address: string, id: string): void {
    const entry = this.upsert(address);
    entry.id = id;
    entry.lastSeenMs = Date.now();
    entry.failures = 0;
    entry.nextDialMs = 0;
    entry.lastError = '';
    this.changed();
  }

  /** A failed dial: wait longer before the next one, forget it after too many. */
  failed(address: string, reason = ''): void {
    const entry = this.hosts.get(address);
    if (!entry) return;
    entry.failures++;
    entry.lastError = reason;
    const limit = this.init.forgetAfterFailures ?? 12;
    const recent = entry.lastSeenMs > 0 && Date.now() - entry.lastSeenMs < KEEP_SEEN_MS;
    if (!entry.bootstrap && !recent && entry.failures >= limit) {
      this.hosts.delete(address);
    } else {
      const backoff = Math.min(
        this.init.maxDialBackoffMs,
        this.init.dialBackoffMs * 2 ** Math.min(entry.failures - 1, 30),
      );
      // Jitter keeps peers that lost the same neighbor from dialling in lockstep.
      entry.nextDialMs = Date.now() + backoff * (0.5 + Math.random() / 2);
    }
    this.changed();
  }

  /**
   * It said goodbye: not a failure. A short pause (it is likely stopping), then
   * it is as welcome as any healthy address.
   */
  left(address: string): void {
    const entry = this.hosts.get(address);
    if (!entry) return;
    entry.failures = 0;
    entry.lastError = '';
    entry.nextDialMs = Date.now() + this.init.dialBackoffMs;
  }

  /** Not dialled for the longest backoff: the user sent it away. */
  quarantine(address: string): void {
    const entry = this.hosts.get(address);
    if (entry) entry.nextDialMs = Date.now() + this.init.maxDialBackoffMs;
  }

  /** The address is this peer itself: never dial it again. */
  markOwn(address: string): void {
    this.own.add(address);
    this.hosts.delete(address);
    this.changed();
  }

  /**
   * Addresses due for a dial: bootstrap first, then the least failed (a fresh
   * address is likelier to have room than one that refused before), in
   * random order otherwise so that newcomers spread over the network.
   */
  dialable(exclude: (entry: HostEntry) => boolean): HostEntry[] {
    const now = Date.now();
    const due = [...this.hosts.values()].filter((h) => h.nextDialMs <= now && !exclude(h));
    shuffle(due);
    return due.sort((a, b) => Number(b.bootstrap) - Number(a.bootstrap) || a.failures - b.failures);
  }

  /**
   * Addresses to explore while this peer has its neighbors: known peers,
   * whatever their backoff (exploring is paced by its own timer), the ones
   * seen before first, in random order.
   */
  explorable(exclude: (entry: HostEntry) => boolean): HostEntry[] {
    const all = shuffle(
      [...this.hosts.values()].filter((h) => (h.id || h.bootstrap) && !exclude(h)),
    );
    return all.sort((a, b) => Number(b.lastSeenMs > 0) - Number(a.lastSeenMs > 0));
  }

  /** The bootstrap addresses and how dialling them goes; `connected` says which are neighbors. */
  bootstrapViews(connected: (address: string) => boolean): BootstrapView[] {
    return [...this.hosts.values()]
      .filter((h) => h.bootstrap)
      .map((h) => {
        const up = connected(h.address);
        return {
          address: h.address,
          state: up ? 'connected' : h.failures > 0 ? 'failing' : 'pending',
          failures: h.failures,
          lastError: h.lastError,
          nextDialMs: up || h.nextDialMs <= Date.now() ? 0 : Math.round(h.nextDialMs),
        };
      });
  }

  get(address: string): HostEntry | undefined {
    return this.hosts.get(address);
  }

  /** Addresses worth handing to another peer: ones that answered and are not failing. */
  healthy(): HostEntry[] {
    return [...this.hosts.values()].filter((h) => h.id && h.lastSeenMs > 0 && h.failures === 0);
  }

  get size(): number {
    return this.hosts.size;
  }

  /** Writes the cache now (on stop). */
  async save(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    const hosts: StoredHost[] = [...this.hosts.values()].map((h) => ({
      address: h.address,
      ...(h.id ? { id: h.id } : {}),
      lastSeenMs: h.lastSeenMs,
    }));
    const tmp = `${this.file}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify({ version: 1, hosts }, null, 1)}\n`);
      await rename(tmp, this.file);
    } catch (err) {
      this.logger.warn({ err, file: this.file }, 'cannot write the host cache');
    }
  }

  private upsert(address: string): HostEntry {
    let entry = this.hosts.get(address);
    if (!entry) {
      entry = {
        address,
        lastSeenMs: 0,
        failures: 0,
        nextDialMs: 0,
        bootstrap: false,
        lastError: '',
      };
      this.hosts.set(address, entry);
      this.evict();
    }
    return entry;
  }

  /** Over the limit: drop the addresses least likely to answer. */
  private evict(): void {
    const excess = this.hosts.size - this.init.maxEntries;
    if (excess <= 0) return;
    const victims = [...this.hosts.values()]
      .filter((h) => !h.bootstrap)
      .sort((a, b) => b.failures - a.failures || a.lastSeenMs - b.lastSeenMs)
      .slice(0, excess);
    for (const v of victims) this.hosts.delete(v.address);
  }

  private changed(): void {
    this.dirty = true;
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, SAVE_DELAY_MS);
    this.saveTimer.unref();
  }
}

function isValidStored(h: unknown): h is StoredHost {
  if (typeof h !== 'object' || h === null) return false;
  const { address, id, lastSeenMs } = h as Record<string, unknown>;
  try {
    checkAddress(address);
    if (id !== undefined) checkPeerId(id);
  } catch {
    return false;
  }
  return typeof lastSeenMs === 'number' && Number.isFinite(lastSeenMs);
}

export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
