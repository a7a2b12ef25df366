// Tokens of reverse and relayed connections: 128 random bits, single use,
// gone after a few seconds, and a bounded number outstanding, so a peer
// asking for connections it never takes cannot grow this table.
import { randomBytes } from 'node:crypto';
import { TOKEN_BYTES } from './preface.js';

export class TokenTable<T> {
  private readonly entries = new Map<string, { value: T; timer: NodeJS.Timeout }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    /** Told when a token expires untaken (the waiter gives up). */
    private readonly onExpire: (value: T) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** A fresh token for `value`; undefined when `max` are outstanding. */
  issue(value: T): string | undefined {
    if (this.entries.size >= this.max) return undefined;
    const token = randomBytes(TOKEN_BYTES).toString('hex');
    this.put(token, value);
    return token;
  }

  /** Holds a token made elsewhere (a requester's); false when full or taken. */
  put(token: string, value: T): boolean {
    if (this.entries.size >= this.max || this.entries.has(token)) return false;
    const timer = setTimeout(() => {
      this.entries.delete(token);
      this.onExpire(value);
    }, this.ttlMs);
    timer.unref();
    this.entries.set(token, { value, timer });
    return true;
  }

  /** The value of a token, without using it up. */
  peek(token: string): T | undefined {
    return this.entries.get(token)?.value;
  }

  /** Uses a token up: its value, or undefined when unknown, used or expired. */
  take(token: string): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(token);
    return entry.value;
  }

  clear(): void {
    for (const { value, timer } of this.entries.values()) {
      clearTimeout(timer);
      this.onExpire(value);
    }
    this.entries.clear();
  }
}
