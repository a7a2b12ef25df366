// The MOM facade: every bus event as JSON on `p2p.<peer>.<type>`, stored by
// JetStream when the server has it. Events wait in a persistent outbox until
// NATS confirms them, so a broker outage or a daemon restart loses nothing.
// Nothing here ever blocks the daemon: connecting, retrying and delivering all
// happen in the background.
import {
  connect,
  Events,
  ErrorCode,
  headers,
  type JetStreamClient,
  type NatsConnection,
} from 'nats';
import type { NatsState, Startable } from '../core.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { EventBus } from './bus.js';
import { connectionOptions, describeServers, type NatsLinkInit } from './nats-options.js';
import { apiErrorCode, ensureStream, type StreamSpec } from './nats-stream.js';
import { Outbox } from './outbox.js';
import { EVENT_TYPES, type EventEnvelope } from './types.js';

export interface NatsPublisherComponents {
  events: EventBus;
  logger: Logger;
  metrics: Metrics;
}

export interface NatsPublisherInit extends NatsLinkInit {
  /** This peer's id: the second token of every subject. */
  peerId: string;
  /** `auto`: JetStream when available; `on`: keep events queued without it; `off`: never. */
  jetstream: 'auto' | 'on' | 'off';
  stream: StreamSpec;
  /** The outbox file and its bounds, in events and in bytes of the file. */
  outboxFile: string;
  outboxMaxEvents: number;
  outboxMaxBytes: number;
  /** How long a publish waits for its ack (or a flush) before it is retried, ms. */
  ackTimeoutMs: number;
  /** How long stop() waits for queued events to be delivered, ms. */
  drainTimeoutMs: number;
  /** Publishes awaiting their ack at once (default 256). */
  maxInFlight?: number;
}

/** How events go out on the current connection; undefined until set up. */
type Mode = 'jetstream' | 'core' | 'blocked';

interface BatchResult {
  /** Ids the server confirmed. */
  delivered: string[];
  /** The connection dropped or moved meanwhile: retry at once on the new one. */
  cut: boolean;
}

/** Pauses before retrying a failed batch: the first, doubling up to the last (or reconnectWaitMs). */
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 1000;

const JS_NOT_ENABLED_FOR_ACCOUNT = 10039;
const STATES: readonly NatsState[] = ['disabled', 'connecting', 'connected', 'disconnected'];

export function subjectOf(event: EventEnvelope): string {
  return `p2p.${event.peer}.${event.type}`;
}

export class NatsPublisher implements Startable {
  private readonly outbox: Outbox;
  private readonly log: Logger;
  private readonly servers: string;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private mode: Mode | undefined;
  private currentState: NatsState = 'connecting';
  private unsubscribe: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private pumping: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeSleep: (() => void) | undefined;
  private flushWaiters = new Set<() => void>();
  /** Batches in flight, told when the connection drops or moves to another server. */
  private readonly linkWatchers = new Set<() => void>();
  /** Pause before the next retry of a failed batch; grows while failures last. */
  private retryDelayMs = 0;
  private rechecking: Promise<void> | undefined;
  /** Keys of warnings already logged in the current streak, so each is said once. */
  private readonly warned = new Set<string>();
  private opened = false;
  private stopped = false;

  constructor(
    private readonly components: NatsPublisherComponents,
    private readonly init: NatsPublisherInit,
  ) {
    this.outbox = new Outbox({
      file: init.outboxFile,
      maxEvents: init.outboxMaxEvents,
      maxBytes: init.outboxMaxBytes,
      onDrop: (type) => components.metrics.natsDropped.inc({ type }),
    });
    this.log = components.logger;
    this.servers = describeServers(init.servers);
  }

  get state(): NatsState {
    return this.currentState;
  }

  /** The server the connection is on (`host:port`), if connected. */
  get server(): string | undefined {
    return this.nc?.getServer();
  }

  /** Events waiting for NATS. */
  get queued(): number {
    return this.outbox.size;
  }

  /** Subscribes and starts connecting in the background; never waits for NATS. */
  async start(): Promise<void> {
    this.stopped = false;
    const { restored, skippedLines } = this.outbox.open();
    this.opened = true;
    if (skippedLines > 0) {
      this.log.warn({ skippedLines }, 'skipped unreadable lines of the NATS outbox');
    }
    if (restored > 0) this.log.info({ restored }, 'undelivered events restored from the outbox');
    this.components.events.resumeAfter(this.outbox.lastId);
    this.components.metrics.natsQueued.set(this.outbox.size);
    this.components.metrics.natsOutboxBytes.set(this.outbox.bytes);
    this.unsubscribe = this.components.events.subscribe((event) => this.enqueue(event));
    this.setState('connecting');
    this.loop = this.connectLoop();
  }

  /** Delivers what it can within drainTimeoutMs, then closes; the rest waits in the outbox. */
  async stop(): Promise<void> {
    if (!this.opened) return;
    // Waiting only helps while events can go out (not queued for a missing stream).
    if (this.currentState === 'connected' && this.mode !== 'blocked') {
      await this.whenFlushed(this.init.drainTimeoutMs);
    }
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.retryTimer);
    this.wakeSleep?.();
    const nc = this.nc;
    if (nc && !nc.isClosed()) {
      await withDeadline(nc.drain(), 1000).catch(() => undefined);
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    }
    await withDeadline(Promise.all([this.loop, this.pumping]), 2000).catch(() => undefined);
    this.outbox.close();
    this.opened = false;
    const left = this.outbox.size;
    if (left > 0) this.log.warn({ queued: left }, 'events left in the outbox for the next start');
  }

  /** Resolves true once the outbox is empty, false when timeoutMs passes first. */
  whenFlushed(timeoutMs: number): Promise<boolean> {
    if (this.outbox.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.flushWaiters.delete(done);
        resolve(this.outbox.size === 0);
      };
      const timer = setTimeout(done, timeoutMs);
      this.flushWaiters.add(done);
    });
  }

  private enqueue(event: EventEnvelope): void {
    if (this.stopped) return;
    const { metrics } = this.components;
    const droppedBefore = this.outbox.dropped;
    try {
      this.outbox.append(event);
    } catch (err) {
      this.warnOnce(
        'outbox-write',
        { err },
        'cannot write the NATS outbox; events are kept in memory only',
      );
    }
    if (this.outbox.dropped > droppedBefore) {
      this.warnOnce(
        'outbox-drop',
        { maxEvents: this.init.outboxMaxEvents, maxBytes: this.init.outboxMaxBytes },
        'NATS outbox full: dropping undelivered events, progress and peer/search events first (counted in p2pd_nats_events_dropped_total)',
      );
    }
    metrics.natsQueued.set(this.outbox.size);
    metrics.natsOutboxBytes.set(this.outbox.bytes);
    this.kick();
  }

  /** Connects, then lets nats.js reconnect forever; starts over if the connection closes. */
  private async connectLoop(): Promise<void> {
    while (!this.stopped) {
      let nc: NatsConnection;
      try {
        nc = await connect(connectionOptions(this.init));
      } catch (err) {
        if (this.stopped) return;
        this.setState('disconnected');
        this.log.debug({ err: describe(err) }, 'NATS connection attempt failed');
        this.warnOnce(
          'unreachable',
          { err: describe(err), servers: this.servers, queued: this.outbox.size },
          `NATS unreachable at ${this.servers}: events are queued and delivered once it answers; retrying every ${this.init.reconnectWaitMs} ms`,
        );
        await this.sleep(this.init.reconnectWaitMs);
        continue;
      }
      if (this.stopped) {
        await nc.close().catch(() => undefined);
        return;
      }
      this.nc = nc;
      this.onConnected(nc, 'connected');
      void this.watchStatus(nc).catch((err: unknown) =>
        this.log.debug({ err: describe(err) }, 'NATS status stream ended'),
      );
      const err = await nc.closed();
      this.nc = undefined;
      this.mode = undefined;
      if (this.stopped) return;
      this.setState('disconnected');
      this.log.warn({ err: describe(err) }, 'NATS connection closed; connecting again');
      await this.sleep(this.init.reconnectWaitMs);
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.stopped) return;
      if (s.type === Events.Disconnect) {
        this.linkChanged();
        this.setState('disconnected');
        this.warnOnce(
          'lost',
          { server: s.data, queued: this.outbox.size },
          'NATS connection lost: events are queued until it is back',
        );
      } else if (s.type === Events.Reconnect) {
        this.linkChanged();
        this.onConnected(nc, 'reconnected');
      } else if (s.type === Events.Error) {
        this.warnOnce(`async:${String(s.data)}`, { err: s.data }, 'NATS reported an error');
      }
    }
  }

  /**
   * JetStream publishing survives a reconnect: the stream is there, or a publish fails and
   * sets it up again. Asking first would wait on the JetStream API, which a cluster that
   * lost its metadata leader cannot answer for seconds while the stream takes messages.
   * Other modes are decided again: the new server may have JetStream.
   */
  private onConnected(nc: NatsConnection, how: string): void {
    this.warned.delete('unreachable');
    this.warned.delete('lost');
    if (this.mode !== 'jetstream') this.mode = undefined;
    this.retryDelayMs = 0;
    this.setState('connected');
    this.log.info(
      { server: nc.getServer(), queued: this.outbox.size },
      `NATS ${how} (${nc.getServer()})`,
    );
    this.kick();
  }

  private kick(): void {
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
      // An event queued while the last batch settled still needs a ride.
      if (this.outbox.size > 0 && this.canPublish() && !this.retryTimer) this.kick();
    });
  }

  private canPublish(): boolean {
    return !this.stopped && this.nc !== undefined && this.currentState === 'connected';
  }

  /** Delivers the outbox in order, batch by batch, while the connection is up. */
  private async pump(): Promise<void> {
    const { metrics } = this.components;
    while (this.outbox.size > 0 && this.canPublish()) {
      const nc = this.nc!;
      try {
        if (this.mode === undefined || this.mode === 'blocked') this.mode = await this.setUp(nc);
      } catch (err) {
        this.warnOnce(
          'setup',
          { err: describe(err) },
          `cannot set up NATS publishing (${describe(err)}); events stay queued and it is retried`,
        );
        this.retryLater();
        return;
      }
      if (this.mode === 'blocked') {
        this.retryLater();
        return;
      }
      if (!this.canPublish()) return;
      const batch = this.outbox.take(this.init.maxInFlight ?? 256);
      const { delivered, cut } =
        this.mode === 'jetstream'
          ? await this.publishJetStream(batch)
          : await this.publishCore(nc, batch);
      this.outbox.settle(delivered);
      metrics.natsAcknowledged.inc(delivered.length);
      metrics.natsQueued.set(this.outbox.size);
      metrics.natsOutboxBytes.set(this.outbox.bytes);
      if (this.outbox.size === 0) for (const done of [...this.flushWaiters]) done();
      if (cut) continue;
      if (delivered.length < batch.length) {
        // The server may have lost the stream, or it is electing a leader for it.
        if (this.mode === 'jetstream') this.recheckStream(nc);
        else this.mode = undefined;
        if (this.canPublish()) {
          this.warnOnce(
            'publish',
            { failed: batch.length - delivered.length, queued: this.outbox.size },
            'NATS publishes are failing; events stay queued and are retried',
          );
        }
        this.retryLater();
        return;
      }
      this.retryDelayMs = 0;
      this.warned.delete('publish');
      this.warned.delete('setup');
    }
  }

  /**
   * Looks the stream up again (creating it if it is gone) beside the retries, not before
   * them: in a cluster the JetStream API can take seconds longer than the stream to come
   * back after a node dies, and the retries should not wait for it.
   */
  private recheckStream(nc: NatsConnection): void {
    this.rechecking ??= this.setUp(nc)
      .then(
        (mode) => {
          if (this.nc === nc && this.mode === 'jetstream') this.mode = mode;
        },
        (err: unknown) => this.log.debug({ err: describe(err) }, 'stream check failed'),
      )
      .finally(() => (this.rechecking = undefined));
  }

  /**
   * Publishes a batch with the event ids as message ids and collects the acks. When the
   * connection drops or moves to another server meanwhile, the acks still missing will
   * never come: the batch is cut there and retried on the new connection at once instead
   * of after the ack timeout. JetStream drops the retries it already stored, by id.
   */
  private async publishJetStream(batch: EventEnvelope[]): Promise<BatchResult> {
    const js = this.js!;
    const { metrics } = this.components;
    const acked = new Set<string>();
    const publishes = batch.map(async (event) => {
      metrics.natsPublished.inc();
      const ack = await js.publish(subjectOf(event), encode(event), {
        msgID: event.id,
        timeout: this.init.ackTimeoutMs,
      });
      acked.add(event.id);
      if (ack.duplicate) metrics.natsDuplicates.inc();
    });
    const cut = await this.untilLinkChange(Promise.allSettled(publishes));
    return { delivered: batch.filter((e) => acked.has(e.id)).map((e) => e.id), cut };
  }

  /** Without JetStream a flush is the only confirmation: the server has the messages. */
  private async publishCore(nc: NatsConnection, batch: EventEnvelope[]): Promise<BatchResult> {
    try {
      for (const event of batch) {
        this.components.metrics.natsPublished.inc();
        const h = headers();
        h.set('Nats-Msg-Id', event.id);
        nc.publish(subjectOf(event), encode(event), { headers: h });
      }
    } catch {
      return { delivered: [], cut: false };
    }
    let flushed = false;
    const cut = await this.untilLinkChange(
      withDeadline(nc.flush(), this.init.ackTimeoutMs).then(
        () => (flushed = true),
        () => undefined,
      ),
    );
    return { delivered: flushed && !cut ? batch.map((e) => e.id) : [], cut };
  }

  /** Waits for `work`; true when the connection dropped or moved to another server first. */
  private async untilLinkChange(work: Promise<unknown>): Promise<boolean> {
    let changed!: () => void;
    const cut = new Promise<true>((resolve) => (changed = () => resolve(true)));
    this.linkWatchers.add(changed);
    try {
      return await Promise.race([work.then(() => false), cut]);
    } finally {
      this.linkWatchers.delete(changed);
    }
  }

  /** Decides how to publish on this connection: ensures the stream, or falls back. */
  private async setUp(nc: NatsConnection): Promise<Mode> {
    if (this.init.jetstream === 'off') return 'core';
    const fallback = this.init.jetstream === 'auto' ? 'core' : 'blocked';
    const consequence =
      fallback === 'core'
        ? 'publishing without JetStream persistence'
        : 'events stay queued (nats.jetstream is "on")';
    let jsm;
    try {
      jsm = await nc.jetstreamManager({ timeout: this.init.ackTimeoutMs });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (
        code !== ErrorCode.JetStreamNotEnabled &&
        apiErrorCode(err) !== JS_NOT_ENABLED_FOR_ACCOUNT
      ) {
        throw err;
      }
      this.warnOnce('no-jetstream', {}, `the NATS server has no JetStream: ${consequence}`);
      return fallback;
    }
    const subjects = EVENT_TYPES.map((type) => `p2p.${this.init.peerId}.${type}`);
    const outcome = await ensureStream(jsm, this.init.stream, subjects);
    const name = this.init.stream.name;
    if (outcome.kind === 'clash') {
      this.warnOnce(
        'clash',
        { stream: name, subjects: outcome.subjects },
        `JetStream stream ${name} exists with subjects [${outcome.subjects.join(', ')}] that do not cover p2p.${this.init.peerId}.>: ${consequence}; set nats.stream.name or fix that stream`,
      );
      return fallback;
    }
    if (outcome.kind === 'captured') {
      this.warnOnce(
        'captured',
        { stream: name, detail: outcome.detail },
        `cannot create JetStream stream ${name}: another stream already holds its subjects; publishing into that one`,
      );
    } else if (outcome.created) {
      this.log.info(
        { stream: name, subjects: this.init.stream.subjects, replicas: this.init.stream.replicas },
        `created JetStream stream ${name}`,
      );
    } else if (outcome.differences.length > 0) {
      this.warnOnce(
        'stream-differs',
        { stream: name, differences: outcome.differences },
        `JetStream stream ${name} already exists and is used as it is, never modified: ${outcome.differences.join('; ')}. Edit the stream (nats stream edit ${name}) or set nats.stream.name to use another`,
      );
    }
    this.warned.delete('no-jetstream');
    this.warned.delete('clash');
    this.js = nc.jetstream({ timeout: this.init.ackTimeoutMs });
    return 'jetstream';
  }

  /** Retries soon after a first failure (a leader election takes a few seconds), then less often. */
  private retryLater(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryDelayMs = Math.min(
      this.init.reconnectWaitMs,
      MAX_RETRY_MS,
      this.retryDelayMs === 0 ? FIRST_RETRY_MS : this.retryDelayMs * 2,
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, this.retryDelayMs);
  }

  private linkChanged(): void {
    for (const cut of [...this.linkWatchers]) cut();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }

  private setState(state: NatsState): void {
    this.currentState = state;
    for (const s of STATES)
      this.components.metrics.natsState.set({ state: s }, s === state ? 1 : 0);
  }

  private warnOnce(key: string, fields: object, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn(fields, message);
  }
}

function encode(event: EventEnvelope): Uint8Array {
  return Buffer.from(JSON.stringify(event));
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: string }).code;
  return code === undefined || err.message.includes(code)
    ? err.message
    : `${err.message} (${code})`;
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
