// The Listen streams unreachable neighbors hold open to this peer: at most one
// per key (a new one replaces the old), at most maxStreams in all, and only
// from current neighbors. Through them this peer asks such a peer to dial out.
import { PermissionDeniedError, TooManyRequestsError } from '../errors.js';
import type { DialOrder } from './types.js';

export interface ListenStream {
  /** The host the stream's connection came from: where its dials come from too. */
  host: string;
  /** The addresses this peer knows it by (advertised, and where it calls it). */
  addresses: string[];
  send(order: DialOrder): void;
  end(): void;
}

export class ListenHub {
  private readonly streams = new Map<string, ListenStream>();

  constructor(private readonly maxStreams: number) {}

  get size(): number {
    return this.streams.size;
  }

  /** Registers a stream for `fingerprint`; returns its unregister function. */
  open(fingerprint: string, stream: ListenStream): () => void {
    if (!fingerprint) throw new PermissionDeniedError('Listen needs a proven key');
    const old = this.streams.get(fingerprint);
    if (!old && this.streams.size >= this.maxStreams) {
      throw new TooManyRequestsError(
        `this peer holds ${this.streams.size} Listen streams already (nat.maxListenStreams)`,
      );
    }
    if (old) {
      this.streams.delete(fingerprint);
      old.end();
    }
    this.streams.set(fingerprint, stream);
    return () => {
      if (this.streams.get(fingerprint) === stream) this.streams.delete(fingerprint);
    };
  }

  get(fingerprint: string): ListenStream | undefined {
    return this.streams.get(fingerprint);
  }

  closeAll(): void {
    for (const s of this.streams.values()) s.end();
    this.streams.clear();
  }
}
