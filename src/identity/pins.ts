// Which key each peer id belongs to, pinned on first contact (trust on first
// use, as ssh does) and kept in `<dataDir>/identity/pins.json` across restarts.
// A second key claiming a pinned id is refused: the id names the peer in NATS
// subjects, events and allow-lists, so it must not change hands silently.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { FINGERPRINT } from './fingerprint.js';

const SAVE_DELAY_MS = 1000;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

interface Pin {
  fingerprint: string;
  lastSeenMs: number;
}

export class PinStore {
  private readonly pins = new Map<string, Pin>();
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    /** Called on every refusal (a metric). */
    private readonly onConflict: () => void = () => undefined,
    /** Most ids kept; the least recently seen go first. */
    private readonly maxEntries = 10_000,
  ) {}

  get file(): string {
    return join(this.dir, 'pins.json');
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const stored = JSON.parse(text) as Record<string, Pin>;
      for (const [id, pin] of Object.entries(stored)) {
        if (ID.test(id) && FINGERPRINT.test(pin?.fingerprint ?? '')) {
          this.pins.set(id, {
            fingerprint: pin.fingerprint,
            lastSeenMs: Number(pin.lastSeenMs) || 0,
          });
        }
      }
    } catch (err) {
      // Losing pins weakens checks but must not keep the peer from starting.
      this.logger.warn(
        { err, file: this.file },
        'the pinned peer keys could not be read; starting with none',
      );
    }
  }

  /**
   * Binds `id` to `fingerprint`: pins it on first contact, and answers why not
   * when the id is pinned to another key.
   */
  bind(id: string, fingerprint: string): string | undefined {
    const pin = this.pins.get(id);
    if (pin && pin.fingerprint !== fingerprint) {
      this.onConflict();
      this.logger.error(
        { peer: id, pinned: pin.fingerprint, presented: fingerprint, pins: this.file },
        `REFUSED: peer id "${id}" is pinned to key ${pin.fingerprint} but a peer presented ${fingerprint}. ` +
          `Someone may be impersonating "${id}". If "${id}" really has a new key, remove it from ${this.file}`,
      );
      return `peer id "${id}" belongs to another key (pinned ${pin.fingerprint})`;
    }
    const now = Date.now();
    if (!pin) {
      this.pins.set(id, { fingerprint, lastSeenMs: now });
      this.evict();
      this.scheduleSave();
    } else if (now - pin.lastSeenMs > 60_000) {
      pin.lastSeenMs = now;
      this.scheduleSave();
    }
    return undefined;
  }

  async close(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      await this.save();
    }
    await this.saving;
  }

  private evict(): void {
    if (this.pins.size <= this.maxEntries) return;
    const oldest = [...this.pins.entries()].sort((a, b) => a[1].lastSeenMs - b[1].lastSeenMs);
    for (const [id] of oldest.slice(0, this.pins.size - this.maxEntries)) this.pins.delete(id);
  }

  private scheduleSave(): void {
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, SAVE_DELAY_MS);
  }

  private save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const tmp = `${this.file}.tmp`;
      try {
        await writeFile(tmp, `${JSON.stringify(Object.fromEntries(this.pins), null, 1)}\n`, {
          mode: 0o600,
        });
        await rename(tmp, this.file);
      } catch (err) {
        this.logger.warn({ err, file: this.file }, 'could not save the pinned peer keys');
      }
    });
    return this.saving;
  }
}
