// Pulls the missing chunks of one file from several sources at once.
//
// Work is pulled, not pushed: whenever a source has a free request slot it
// takes the next run of missing chunks, so a faster source simply comes back
// for more sooner. A source's first chunks, and then spot checks, are hashed
// before they are written (spot-checks.ts); a source that sends a wrong chunk
// is dropped and its chunks go back to the pool. Near the end, idle sources
// duplicate the chunks slower ones still hold (end-game), and whichever copy
// arrives first wins.
import {
  CancelledError,
  InternalError,
  NotFoundError,
  P2pError,
  TooManyRequestsError,
  UnavailableError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { ChunkMap } from './chunk-map.js';
import type { ChunkSlot } from './chunk-thread.js';
import type { FileMeta } from './metadata.js';
import { SlowSource, SourceFault, receiveRange } from './range-receiver.js';
import type { SourceState } from './sources.js';
import { checkOnArrival } from './spot-checks.js';
import type { PeerTransport } from './transport.js';

export interface DownloaderInit {
  /** Requests in flight over all sources. */
  maxRequests: number;
  /**
   * Chunks asked for in one request from a sole source; with several, each
   * is asked for its share (at least one chunk), so the bytes a fetch has
   * asked for and not yet received stay about the same however many there are.
   */
  requestChunks: number;
  /** A request that brings nothing for this long is abandoned, ms. */
  stallTimeoutMs: number;
  /** Failures in a row after which a source is dropped (default 3). */
  maxFailures?: number;
  /**
   * Other peers may be fetching the same file (swarming): the first chunks
   * are picked at random and then the rarest first, instead of in order.
   */
  swarm?: boolean;
  /**
   * Under a download limit: bytes that may be asked for and not yet received,
   * about a second at the limit (Infinity: no bound). Requests shrink to half
   * of it, so what a source sends ahead of the limit stays small and a
   * change of the limit is felt at once.
   */
  inFlightBudget?: () => number;
  /** After a source's first chunks, one in this many is checked on arrival (see spot-checks.ts; 1: all). */
  spotCheckOneIn: number;
}

export interface DownloaderIo {
  transport: PeerTransport;
  /**
   * A slot to receive one chunk into; waits while every slot is in use. There
   * must be more slots than requests, so a request never waits on another.
   */
  lease(): Promise<ChunkSlot>;
  /** Gives back a slot that will not be stored. */
  release(slot: ChunkSlot): void;
  /**
   * Writes the chunk in the first `length` bytes of a slot at its offset;
   * with `check`, only if it matches its hash. Gives the slot back. Resolves
   * false when the bytes were checked and do not match; rejects when they
   * cannot be written.
   */
  store(index: number, slot: ChunkSlot, length: number, check: boolean): Promise<boolean>;
  /** A chunk was written; `checked`: against its own hash (else the whole-file hash will). */
  onChunk(index: number, length: number, source: SourceState, checked: boolean): void;
  /** Waits for the download limits (see RangeReceiverIo.pace); absent: no limits. */
  pace?(source: SourceState, bytes: number, signal: AbortSignal): Promise<void> | undefined;
  /** The slowest rate a request may be held to by the limits, bytes/s; 0: none. */
  floorRate?(): number;
}

interface Request {
  source: SourceState;
  first: number;
  /** One past the last chunk asked for. */
  end: number;
  /** The chunk being received now. */
  next: number;
  /** A copy of chunks another request already holds (end-game). */
  duplicate: boolean;
  controller: AbortController;
  startedAt: number;
  /** When it last delivered a chunk (or started). */
  lastAt: number;
}

/** Why a request was stopped on purpose (abort reasons). */
const SUPERSEDED = Symbol('superseded');
const FINISHED = Symbol('finished');

/** The first chunks of a fetch from partial sources are picked at random, then the rarest first. */
const RANDOM_FIRST = 4;
/** Requests at once to a complete source while partial ones are there too (swarming). */
const SEED_REQUESTS = 2;
/** With sources that hold nothing needed now, look again this often (have-maps refresh meanwhile), ms. */
const IDLE_RETRY_MS = 250;
/** Chunks a request may have left when the next one to its source starts, at least. */
const MIN_LEAD_CHUNKS = 2;
/** Longest pause before asking a busy (choking) source again, ms. */
const MAX_BUSY_BACKOFF_MS = 1000;

/** Under a download limit, a request that delivered nothing for this long may be copied (end-game), ms. */
const LIMITED_STALL_MS = 2000;

export class ChunkDownloader {
  private readonly count: number;
  /** Requests holding each chunk (0, 1, or 2 in the end-game). */
  private readonly holders: Uint8Array;
  private readonly requests = new Set<Request>();
  private readonly settled = new Set<Promise<void>>();
  /**
   * Chunks on their way to the disk: an end-game copy that arrives meanwhile
   * is dropped, so a wrong copy left unchecked never lands over a right one.
   */
  private readonly storing = new Set<number>();
  private scanFrom = 0;
  /** Chunks one request may ask for now (the download limit may lower it). */
  private spanChunks: number;
  private finished = false;
  private failure: Error | undefined;
  private wake: NodeJS.Timeout | undefined;
  private resolveRun: (() => void) | undefined;
  private rejectRun: ((err: Error) => void) | undefined;

  constructor(
    private readonly meta: FileMeta,
    private readonly done: ChunkMap,
    private readonly sources: readonly SourceState[],
    private readonly init: DownloaderInit,
    private readonly io: DownloaderIo,
    private readonly logger: Logger,
  ) {
    this.count = meta.chunkHashes.length;
    this.holders = new Uint8Array(this.count);
    this.spanChunks = init.requestChunks;
  }

  /** Resolves once every chunk is written; rejects when no source can go on. */
  run(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.resolveRun = resolve;
      this.rejectRun = reject;
      if (signal.aborted) return this.finish(toError(signal.reason));
      signal.addEventListener('abort', () => this.finish(toError(signal.reason)), { once: true });
      this.pump();
    });
  }

  /** Written (checked, or left to the whole-file hash): nobody needs to fetch it again. */
  private have(index: number): boolean {
    return this.done.has(index);
  }

  /** Sources or their have-maps changed (a swarm refresh): look for work again. */
  nudge(): void {
    if (this.resolveRun) this.pump(); // before run() nothing may finish yet
  }

  /** Starts requests while there are free slots and work. */
  private pump(): void {
    if (this.finished) return;
    if (this.done.complete) return this.finish();
    clearTimeout(this.wake);
    // Sources with a free slot but nothing needed that they hold, this round.
    const idle = new Set<SourceState>();
    const budget = this.init.inFlightBudget?.() ?? Infinity;
    const { chunkSize } = this.meta;
    this.spanChunks = Number.isFinite(budget)
      ? Math.max(1, Math.min(this.init.requestChunks, Math.floor(budget / 2 / chunkSize)))
      : this.init.requestChunks;
    while (this.requests.size < this.init.maxRequests) {
      // Under a limit, ask for no more than about a second's worth at once (one request at least).
      if (this.requests.size > 0 && this.awaitedBytes() + this.spanChunks * chunkSize > budget) {
        break;
      }
      const source = this.pickSource(idle);
      if (!source) break;
      const span = this.takeSpan(source) ?? this.endGameSpan(source);
      if (!span) {
        idle.add(source);
        continue;
      }
      this.start(source, span.first, span.end, span.duplicate);
    }
    const live = this.sources.filter((s) => !s.dropped);
    if (live.length === 0 && this.requests.size === 0) return this.finish(this.exhausted());
    if (this.requests.size >= this.init.maxRequests) return;
    // Come back when a source that backs off may be asked again, or a partial one may have more.
    const now = Date.now();
    const waits = live
      .filter((s) => s.backoffUntil > now && s.inFlight < s.limit)
      .map((s) => s.backoffUntil - now);
    if (idle.size > 0 && live.some((s) => s.have)) waits.push(IDLE_RETRY_MS);
    if (this.requests.size === 0 && waits.length === 0) waits.push(IDLE_RETRY_MS);
    if (waits.length > 0) {
      this.wake = setTimeout(() => this.pump(), Math.max(10, Math.min(...waits)));
    }
  }

  /** Other fetchers are known: a source is partial, or a seed says it sent chunks to others. */
  private crowd(live: readonly SourceState[]): boolean {
    return live.some((s) => s.have || (s.sent && s.sent.size > 0));
  }

  /**
   * Requests `source` may have in flight. A second request to a source hides
   * the gap before its next one starts; among several complete sources the
   * others' streams fill that gap, so their requests are shared out like their
   * runs (see takeSpan). Three sources, one each against two (1 GiB, 5 rounds):
   * fetcher peak RSS 120-123 MiB against 128-131, 3.45 CPU-s against 3.91, and
   * a third as many chunks read back for the whole-file hash, at the same speed.
   * A crowd keeps its own rules (see pickSource).
   */
  private requestLimit(source: SourceState, live: number, crowd: boolean): number {
    return crowd ? source.limit : Math.min(source.limit, shareOf(source.maxLimit, live));
  }

  /** Whether `source` holds chunk `index` (as far as its last have-map says). */
  private canServe(source: SourceState, index: number): boolean {
    return source.have === undefined || source.have.has(index);
  }

  /**
   * A source with a free slot: the least busy, then the fastest. In a swarm
   * (some source is partial) partial holders come first and a complete one
   * (the seed) gets at most SEED_REQUESTS at once: what peers can give is
   * taken from them, and the seed's uplink goes to chunks nobody else has.
   */
  private pickSource(skip: ReadonlySet<SourceState>): SourceState | undefined {
    const now = Date.now();
    const live = this.sources.filter((s) => !s.dropped);
    const swarm = this.crowd(live);
    const rank = (s: SourceState): number => (swarm && !s.have ? 1 : 0);
    let best: SourceState | undefined;
    for (const s of this.sources) {
      if (s.dropped || s.backoffUntil > now || skip.has(s)) continue;
      if (s.inFlight >= this.requestLimit(s, live.length, swarm)) continue;
      if (!this.nearlyDone(s)) continue;
      if (swarm && !s.have && s.inFlight >= SEED_REQUESTS) continue;
      if (
        !best ||
        rank(s) < rank(best) ||
        (rank(s) === rank(best) &&
          (s.inFlight < best.inFlight || (s.inFlight === best.inFlight && s.rate > best.rate)))
      ) {
        best = s;
      }
    }
    return best;
  }

  /**
   * A run of chunks nobody holds, sized so the tail spreads over the sources.
   * With every source complete, the lowest such run (sequential I/O). Once a
   * source is partial, the chunk the fewest sources hold (random among the
   * first few, and among equals), so a crowd's members pull different chunks
   * from the seed and trade them; the run goes on while `source` holds them.
   */
  private takeSpan(source: SourceState): { first: number; end: number; duplicate: boolean } | null {
    let i = this.scanFrom;
    while (i < this.count && (this.have(i) || this.holders[i]! > 0)) i++;
    this.scanFrom = i;
    if (i >= this.count) return null;
    const live = this.sources.filter((s) => !s.dropped);
    const crowd = this.crowd(live);
    const slots = live.reduce((n, s) => n + this.requestLimit(s, live.length, crowd), 0) || 1;
    const left = this.count - this.done.size;
    const fair = Math.ceil(left / slots);
    // One source gets long runs: a request costs a round trip and the source's setup, and
    // with 4 MiB runs its data flowed 55-75% of a 1 GiB fetch over loopback (16 MiB: 93%). Among
    // several the runs are shared out, so chunks still arrive near file order, where the
    // whole-file hash needs them, and unread streams hold no more than one source's would.
    // Sharing out a sole source's two runs instead (tried, not kept: three sources on 8 MiB
    // runs, two on 12), 1 GiB over TLS, interleaved runs on a loaded machine: three sources
    // used 1.6-2.0 CPU-s against 2.0-2.4 (12 runs), but the fetcher read back 335-460 of the
    // 1024 chunks for the whole-file hash against 95-130, and fetched no faster (median 256
    // MiB/s against 259), peak RSS 120-123 MiB against 118-121; two sources (4 runs) cost the
    // fetcher 4.7-5.2 CPU-s against 4.2-4.6, at 222-262 MiB/s against 248-259.
    const span = shareOf(this.spanChunks, live.length);
    // A source measured slower than the others gets shorter runs.
    const fastest = Math.max(...live.map((s) => s.rate));
    const share = source.rate > 0 && fastest > 0 ? source.rate / fastest : 1;
    let max = Math.max(1, Math.min(span, fair, Math.ceil(span * share)));
    const swarm = crowd || this.init.swarm === true;
    const first = swarm ? this.rarest(source, live, i, crowd) : i;
    if (first < 0) return null;
    // From a complete source in a crowd (and while the first chunks are picked at random), one
    // chunk at a time: the less asked of a seed at once, the less two fetchers ask it for the
    // same chunk before they see each other's have-maps.
    if (swarm && !source.have && (crowd || this.done.size < RANDOM_FIRST)) max = 1;
    let end = first;
    while (
      end < this.count &&
      end - first < max &&
      !this.have(end) &&
      this.holders[end] === 0 &&
      this.canServe(source, end)
    ) {
      end++;
    }
    return { first, end, duplicate: false };
  }

  /**
   * The needed, unheld chunk from `from` on that `source` has and the fewest
   * sources hold; -1 if none. A complete source (a seed) is asked only for
   * chunks no partial source has: those come from the swarm, and the seed's
   * uplink goes to what nobody else can give.
   */
  private rarest(
    source: SourceState,
    live: readonly SourceState[],
    from: number,
    crowd: boolean,
  ): number {
    const partial = live.filter((s) => s.have);
    const complete = live.length - partial.length;
    // A chunk a complete source just sent someone else counts as held once more.
    const sent = live.filter((s) => !s.have && s.sent);
    const seed = !source.have;
    const random = this.done.size < RANDOM_FIRST;
    let best = -1;
    let bestCount = Infinity;
    let ties = 0;
    for (let c = from; c < this.count; c++) {
      if (this.have(c) || this.holders[c]! > 0 || !this.canServe(source, c)) continue;
      let count = complete;
      for (const s of partial) if (s.have!.has(c)) count++;
      if (seed && count > complete) continue;
      for (const s of sent) if (s.sent!.has(c)) count++;
      if (random) count = 0;
      if (count < bestCount) {
        best = c;
        bestCount = count;
        ties = 1;
      } else if (count === bestCount && (crowd || random) && Math.random() * ++ties < 1) {
        best = c; // uniform among equals (reservoir sampling); alone, the lowest (in order)
      }
    }
    return best;
  }

  /** End-game: copy the biggest remainder another source still holds alone. */
  private endGameSpan(
    source: SourceState,
  ): { first: number; end: number; duplicate: boolean } | null {
    // Only when no chunk is left that nobody holds: before that, a copy takes bandwidth new chunks need.
    if (this.scanFrom < this.count) return null;
    // Under a download limit a request that still delivers is slow because of the limit, not
    // its source: a copy would only spend the limited rate twice. Copy only stalled ones.
    const limited = Number.isFinite(this.init.inFlightBudget?.() ?? Infinity);
    const now = Date.now();
    let target: { first: number; end: number; left: number } | undefined;
    for (const r of this.requests) {
      if (r.source === source || r.duplicate) continue;
      if (limited && now - r.lastAt < LIMITED_STALL_MS) continue;
      let first = r.next;
      while (
        first < r.end &&
        (this.have(first) || this.holders[first]! > 1 || !this.canServe(source, first))
      ) {
        first++;
      }
      if (first >= r.end) continue;
      let end = first;
      while (end < r.end && this.canServe(source, end)) end++;
      const left = end - first;
      if (!target || left > target.left) target = { first, end, left };
    }
    return target ? { first: target.first, end: target.end, duplicate: true } : null;
  }

  private start(source: SourceState, first: number, end: number, duplicate: boolean): void {
    const req: Request = {
      source,
      first,
      end,
      next: first,
      duplicate,
      controller: new AbortController(),
      startedAt: Date.now(),
      lastAt: Date.now(),
    };
    for (let c = first; c < end; c++) this.holders[c]!++;
    this.requests.add(req);
    source.inFlight++;
    const running = receiveRange(
      this.meta,
      { address: source.address, first, end, controller: req.controller },
      {
        transport: this.io.transport,
        stallTimeoutMs: this.init.stallTimeoutMs,
        lease: () => this.lease(),
        release: (slot) => this.io.release(slot),
        deliver: (index, slot, length) => this.deliver(req, index, slot, length),
        ...(this.io.pace
          ? { pace: (bytes: number, signal: AbortSignal) => this.io.pace!(source, bytes, signal) }
          : {}),
        ...(this.io.floorRate ? { floorRate: () => this.io.floorRate!() } : {}),
      },
    )
      .then(
        () => this.onSuccess(req),
        (err: unknown) => this.onFailure(req, err),
      )
      .finally(() => {
        this.release(req);
        this.settled.delete(running);
        this.pump();
      });
    this.settled.add(running);
  }

  /**
   * Whether every request to `source` is in its last chunks, so the next one
   * may start. Two requests from one source at once share its stream, so
   * their chunks arrive interleaved and most wait in memory (or are read back
   * from the disk) for the whole-file hash; started only about a round trip's
   * worth of bytes before the one before ends, the next one still leaves no
   * gap, and chunks come in file order.
   */
  private nearlyDone(source: SourceState): boolean {
    if (source.inFlight === 0) return true;
    const { chunkSize } = this.meta;
    // A request's first chunk takes a round trip and a chunk's time: a generous lead.
    const lead = Math.max(
      MIN_LEAD_CHUNKS,
      Math.ceil((source.rate * source.firstChunkMs) / 1000 / chunkSize),
    );
    for (const r of this.requests) if (r.source === source && r.end - r.next > lead) return false;
    return true;
  }

  /** Bytes asked for and not yet received, about. */
  private awaitedBytes(): number {
    let chunks = 0;
    for (const r of this.requests) chunks += r.end - r.next;
    return chunks * this.meta.chunkSize;
  }

  /**
   * A slot for a request's next chunk. A failure here is ours (the chunk
   * thread), not the source's: no source can help, so the fetch fails now
   * instead of blaming each source in turn.
   */
  private async lease(): Promise<ChunkSlot> {
    try {
      return await this.io.lease();
    } catch (err) {
      this.finish(
        new InternalError(`cannot hold a chunk in memory: ${(err as Error).message}`, {
          cause: err,
        }),
      );
      throw FINISHED;
    }
  }

  /**
   * Writes one chunk (checked first if it is spot-checked), unless another
   * request was first or is writing it. This runs behind the network:
   * requests only wait when every slot is taken by chunks waiting to be
   * written.
   */
  private async deliver(
    req: Request,
    index: number,
    slot: ChunkSlot,
    length: number,
  ): Promise<void> {
    if (index === req.first) req.source.recordFirstChunk(Date.now() - req.startedAt);
    req.next = index + 1;
    req.lastAt = Date.now();
    if (this.have(index) || this.storing.has(index) || this.finished) {
      return this.io.release(slot);
    }
    const check = checkOnArrival(req.source.arrived++, this.init.spotCheckOneIn);
    let stored: boolean;
    this.storing.add(index);
    try {
      stored = await this.io.store(index, slot, length, check);
    } catch (err) {
      this.finish(
        new InternalError(`cannot write the partial file: ${(err as Error).message}`, {
          cause: err,
        }),
      );
      return;
    } finally {
      this.storing.delete(index);
      this.pump();
    }
    if (!stored) {
      throw new SourceFault(`sent chunk ${index} with content that does not match its hash`);
    }
    if (this.finished || this.done.has(index)) return;
    this.done.set(index);
    req.source.bytes += length;
    req.source.chunks++;
    this.io.onChunk(index, length, req.source, check);
    this.supersede(index);
  }

  /** Stops requests whose every remaining chunk another request just delivered. */
  private supersede(index: number): void {
    for (const r of this.requests) {
      if (index < r.next || index >= r.end) continue;
      let c = r.next;
      while (c < r.end && this.have(c)) c++;
      if (c >= r.end) r.controller.abort(SUPERSEDED);
    }
  }

  private onSuccess(req: Request): void {
    req.source.failures = 0;
    req.source.busy = 0;
    // Unchoked again: back up towards its full share of requests.
    if (req.source.limit < req.source.maxLimit) req.source.limit++;
    const bytes =
      Math.min(this.meta.size, req.end * this.meta.chunkSize) - req.first * this.meta.chunkSize;
    req.source.recordRate(bytes, Date.now() - req.startedAt);
  }

  private onFailure(req: Request, err: unknown): void {
    const source = req.source;
    if (err === SUPERSEDED || err === FINISHED || this.finished) return;
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof SourceFault || err instanceof NotFoundError) {
      this.dropSource(source, err instanceof NotFoundError ? 'no longer has the file' : message);
      return;
    }
    if (err instanceof SlowSource) {
      // Bytes were still coming (a source keeping to a low upload limit shares it among our
      // requests): fewer requests at once give each more of its rate. Never a reason to drop it.
      source.limit = Math.max(1, source.inFlight - 1);
      this.logger.debug({ source: source.address, err: message }, 'source slow, asking less of it');
      return;
    }
    if (err instanceof TooManyRequestsError) {
      // It is busy or chokes us (upload slots): not a fault, so never a reason to drop it.
      // Ask less of it at once, and again soon, as slots turn over.
      source.limit = Math.max(1, source.inFlight - 1);
      source.busy = Math.min(source.busy + 1, 3);
      source.backoffUntil = Date.now() + Math.min(MAX_BUSY_BACKOFF_MS, 125 * 2 ** source.busy);
      return;
    }
    source.failures++;
    if (source.failures >= (this.init.maxFailures ?? 3)) {
      this.dropSource(source, `failed ${source.failures} times in a row, last: ${message}`);
      return;
    }
    source.backoffUntil = Date.now() + 250 * 2 ** source.failures;
    this.logger.debug(
      { source: source.address, err: message },
      'download request failed, retrying',
    );
  }

  private dropSource(source: SourceState, reason: string): void {
    if (source.dropped) return;
    source.drop(reason);
    this.logger.warn({ source: source.address, reason }, 'source dropped from this fetch');
    for (const r of this.requests) if (r.source === source) r.controller.abort(FINISHED);
  }

  /** Gives back the chunks a finished request did not deliver. */
  private release(req: Request): void {
    this.requests.delete(req);
    req.source.inFlight--;
    for (let c = req.first; c < req.end; c++) {
      this.holders[c]!--;
      if (this.holders[c] === 0 && !this.have(c) && c < this.scanFrom) this.scanFrom = c;
    }
  }

  private exhausted(): UnavailableError {
    const reasons = this.sources.map((s) => `${s.address}: ${s.error ?? 'failed'}`).join('; ');
    return new UnavailableError(`no source could deliver the rest of the file (${reasons})`);
  }

  /** Ends the run once every request has settled (none may still write). */
  private finish(err?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = err;
    clearTimeout(this.wake);
    for (const r of this.requests) r.controller.abort(FINISHED);
    void Promise.allSettled([...this.settled]).then(() => {
      if (this.failure) this.rejectRun?.(this.failure);
      else this.resolveRun?.();
    });
  }
}

/** One of `among` sources' share of `total` (requests, chunks): at least one. */
function shareOf(total: number, among: number): number {
  return Math.max(1, Math.floor(total / among));
}

function toError(reason: unknown): Error {
  if (reason instanceof P2pError || reason instanceof Error) return reason;
  return new CancelledError('the fetch was cancelled');
}
