// The MOM facade end to end: real daemons, a real nats-server per test.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { resolveConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon.js';
import { EventBus } from '../../src/events/bus.js';
import type { EventEnvelope } from '../../src/events/types.js';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import type { StatusResponse__Output } from '../../src/generated/p2p/v1/StatusResponse.js';
import { collect, connectClient, ConsumerReader, readStream } from '../fixtures/nats-client.js';
import { NatsServer } from '../fixtures/nats-server.js';
import { freePort } from '../fixtures/ports.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { startNetPeer, type NetPeerOptions } from '../overlay/network.js';

const STREAM = 'P2P_EVENTS';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Fast retries so tests do not wait on production back-offs. */
function natsConfig(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { nats: { url, reconnectWaitMs: 100, ackTimeoutMs: 1500, ...extra } };
}

async function logLines(
  peer: TestPeer,
): Promise<{ level: number; msg: string; repeated?: number }[]> {
  const text = await readFile(join(peer.dir, 'p2pd.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { level: number; msg: string; repeated?: number });
}

function grpcStatus(address: string): Promise<StatusResponse__Output> {
  const client = createControlClient(address);
  return new Promise<StatusResponse__Output>((resolve, reject) =>
    client.Status({}, { deadline: deadline(5000) }, (err, res) =>
      err ? reject(err) : resolve(res!),
    ),
  ).finally(() => client.close());
}

async function restStatus(peer: TestPeer): Promise<{ natsState: string }> {
  const res = await fetch(`${peer.restUrl}/api/v1/status`, { signal: AbortSignal.timeout(5000) });
  expect(res.status).to.equal(200);
  return (await res.json()) as { natsState: string };
}

describe('NATS publisher', function () {
  this.timeout(90_000);
  let server: NatsServer | undefined;
  let peers: TestPeer[] = [];
  let extraDaemons: Daemon[] = [];
  let clients: NatsConnection[] = [];
  let dirs: string[] = [];

  afterEach(async () => {
    for (const nc of clients) await nc.close().catch(() => undefined);
    for (const d of extraDaemons) await d.stop();
    for (const p of peers) await p.stop();
    await server?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    dirs = [];
    server = undefined;
    peers = [];
    extraDaemons = [];
    clients = [];
  });

  async function client(url: string): Promise<NatsConnection> {
    const nc = await connectClient(url);
    clients.push(nc);
    return nc;
  }

  async function netPeer(options: NetPeerOptions): Promise<TestPeer> {
    const p = await startNetPeer({ ...options, config: natsConfig(server!.url) });
    peers.push(p);
    return p;
  }

  async function peer(options: Parameters<typeof startPeer>[0]): Promise<TestPeer> {
    const p = await startPeer(options);
    peers.push(p);
    return p;
  }

  it('publishes each envelope as JSON on p2p.<peer>.<type>, in order, and stores it in the stream', async () => {
    server = await NatsServer.start();
    const nc = await client(server.url);
    const { received } = collect(nc, 'p2p.>');
    await nc.flush();
    const p = await peer({
      id: 'pub1',
      files: { 'a.txt': 'alpha' },
      config: natsConfig(server.url),
    });
    const { daemon } = p;
    const seen = (type: string, n = 1): boolean =>
      received.filter((r) => r.event.type === type).length >= n;
    await waitFor(() => seen('daemon.started'), { timeoutMs: 15_000, what: 'daemon.started' });
    await writeFile(join(p.shared, 'b.txt'), 'bravo');
    await waitFor(() => seen('file.added', 2), { timeoutMs: 15_000, what: 'file.added b.txt' });
    await writeFile(join(p.shared, 'a.txt'), 'alpha, changed');
    await waitFor(() => seen('file.changed'), { timeoutMs: 15_000, what: 'file.changed' });
    await unlink(join(p.shared, 'b.txt'));
    await waitFor(() => seen('file.removed'), { timeoutMs: 15_000, what: 'file.removed' });
    const history = daemon.events.since();
    await daemon.stop();
    await waitFor(() => seen('daemon.stopping'), { timeoutMs: 15_000, what: 'daemon.stopping' });

    const types = received.map((r) => r.event.type);
    // daemon.started first: the events of startup wait for it.
    expect(types).to.deep.equal([
      'daemon.started',
      'file.added',
      'index.scanned',
      'file.added',
      'file.changed',
      'file.removed',
      'daemon.stopping',
    ]);
    for (const r of received) expect(r.subject).to.equal(`p2p.pub1.${r.event.type}`);
    const ids = received.map((r) => r.event.id);
    expect([...ids].sort()).to.deep.equal(ids);
    expect(received.slice(0, -1).map((r) => r.event)).to.deep.equal(history);
    expect(received.map((r) => r.event.data)).to.deep.include({
      sha256: sha256('alpha, changed'),
      name: 'a.txt',
      size: 14,
      previousSha256: sha256('alpha'),
    });
    const stored = await readStream(nc, STREAM, 'pub1');
    expect(stored.map((s) => s.event)).to.deep.equal(received.map((r) => r.event));
    const metrics = await daemon.core.metrics.registry.metrics();
    expect(metrics).to.match(/p2pd_nats_events_acknowledged_total 7\b/);
    expect(metrics).to.match(/p2pd_nats_events_queued 0\b/);
    expect(metrics).to.match(/p2pd_nats_connection_state\{state="connected"\} 1\b/);
  });

  it('carries the network: a join, a search served and completed, a leave, per peer in order', async () => {
    server = await NatsServer.start();
    const nc = await client(server.url);
    const { received } = collect(nc, 'p2p.>');
    await nc.flush();
    const n1 = await netPeer({ id: 'net1', files: { 'song.mp3': 'la la' } });
    const n2 = await netPeer({ id: 'net2', bootstrap: [n1.grpcAddress] });
    const seen = (peer: string, type: string): boolean =>
      received.some((r) => r.event.peer === peer && r.event.type === type);
    await waitFor(() => seen('net1', 'peer.joined') && seen('net2', 'peer.joined'), {
      timeoutMs: 15_000,
      what: 'peer.joined on both',
    });
    const summary = await n2.daemon.overlay.collect('song', { ttl: 2, timeoutMs: 3000 });
    expect(summary.hits).to.have.length(1);
    await waitFor(() => seen('net1', 'search.served') && seen('net2', 'search.completed'), {
      timeoutMs: 15_000,
      what: 'the search events',
    });
    await n2.daemon.stop();
    await waitFor(() => seen('net1', 'peer.left') && seen('net2', 'daemon.stopping'), {
      timeoutMs: 15_000,
      what: 'the leave',
    });
    const of = (peer: string): EventEnvelope[] =>
      received.filter((r) => r.event.peer === peer).map((r) => r.event);
    expect(of('net2')).to.deep.equal(n2.daemon.events.since());
    await waitFor(() => of('net1').length === n1.daemon.events.since().length, {
      what: 'every net1 event',
    });
    expect(of('net1')).to.deep.equal(n1.daemon.events.since());
    const interesting = (peer: string): string[] =>
      of(peer)
        .map((e) => e.type)
        .filter((t) => /^(peer|search|daemon)\./.test(t));
    expect(interesting('net1')).to.deep.equal([
      'daemon.started',
      'peer.joined',
      'search.served',
      'peer.left',
    ]);
    // The origin serves its own index too.
    expect(interesting('net2')).to.deep.equal([
      'daemon.started',
      'peer.joined',
      'search.served',
      'search.completed',
      'daemon.stopping',
    ]);
    const joined = of('net2').find((e) => e.type === 'peer.joined')!;
    expect(joined.data).to.include({ peerId: 'net1', direction: 'outbound' });
  });

  it('loses nothing and duplicates nothing across a broker outage, while REST and gRPC keep answering', async () => {
    server = await NatsServer.start();
    const nc = await client(server.url);
    const p = await peer({ id: 'out1', config: natsConfig(server.url) });
    const { daemon } = p;
    await waitFor(() => daemon.status().natsState === 'connected', { what: 'connected' });
    await waitFor(() => daemon.nats!.queued === 0, { what: 'the stream set up' });
    const reader = await ConsumerReader.start(nc, STREAM, 'p2p.out1.>');
    const generated = daemon.events.since().map((e) => e.id);
    daemon.events.subscribe((e) => generated.push(e.id));

    // Activity: a steady flow of events; files in the share, plus search traffic.
    let n = 0;
    let active = true;
    const activity = (async () => {
      while (active) {
        for (let i = 0; i < 10; i++) {
          daemon.events.emit('search.served', {
            queryId: `q${n++}`,
            query: 'x',
            origin: 'peer9',
            from: 'peer9',
            hits: 0,
            hops: 1,
          });
        }
        if (n % 200 === 0) await writeFile(join(p.shared, `f${n}.txt`), `file ${n}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await waitFor(() => n >= 600, { timeoutMs: 30_000, what: 'activity before the outage' });
    await server.kill();
    const atKill = n;
    const beforeKill = generated.length;
    await waitFor(() => daemon.status().natsState === 'disconnected', { what: 'disconnected' });
    expect((await restStatus(p)).natsState).to.equal('disconnected');
    expect((await grpcStatus(p.grpcAddress)).natsState).to.equal('disconnected');
    const health = await fetch(`${p.restUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(health.status).to.equal(200);
    await waitFor(() => n >= atKill + 600, {
      timeoutMs: 30_000,
      what: 'activity during the outage',
    });
    expect(daemon.nats!.queued).to.be.above(0);
    await server.restart();
    const atRestart = n;
    const beforeRestart = generated.length;
    await waitFor(() => n >= atRestart + 600, { timeoutMs: 30_000, what: 'activity after' });
    active = false;
    await activity;
    await waitFor(() => daemon.nats!.queued === 0, { timeoutMs: 30_000, what: 'outbox drained' });
    await waitFor(() => reader.bySeq.size >= generated.length, {
      timeoutMs: 30_000,
      what: 'the consumer to see every event',
    });
    await reader.stop();

    const delivered = reader.events.map((e) => e.id);
    const duplicates = delivered.length - new Set(delivered).size;
    const metrics = await daemon.core.metrics.registry.metrics();
    const dedup = /p2pd_nats_events_duplicate_total (\d+)/.exec(metrics)?.[1];
    console.log(
      `      outage: generated ${generated.length} (${beforeKill} before the kill, ` +
        `${beforeRestart - beforeKill} while the broker was down, ${generated.length - beforeRestart} after), ` +
        `delivered ${delivered.length}, duplicates ${duplicates}; ` +
        `retried publishes JetStream deduplicated: ${dedup}; consumer redeliveries: ${reader.redeliveries}`,
    );
    expect(duplicates).to.equal(0);
    expect(delivered).to.deep.equal(generated);
    expect((await restStatus(p)).natsState).to.equal('connected');
  });

  it('delivers the outbox of a stopped daemon exactly once when it starts again', async () => {
    server = await NatsServer.start();
    const p = await peer({ id: 'rst1', files: { 'a.txt': 'a' }, config: natsConfig(server.url) });
    await waitFor(() => p.daemon.status().natsState === 'connected', { what: 'connected' });
    await waitFor(() => p.daemon.nats!.queued === 0, { what: 'first events delivered' });
    await server.kill();
    await waitFor(() => p.daemon.status().natsState === 'disconnected', { what: 'disconnected' });
    await writeFile(join(p.shared, 'b.txt'), 'b');
    await writeFile(join(p.shared, 'c.txt'), 'c');
    await waitFor(
      () => p.daemon.events.since().filter((e) => e.type === 'file.added').length === 3,
      {
        timeoutMs: 15_000,
        what: 'file events while the broker is down',
      },
    );
    await p.daemon.stop();
    const firstRun = p.daemon.events.since();
    const outbox = await readFile(join(p.daemon.config.dataDir, 'nats-outbox.jsonl'), 'utf8');
    const queued = outbox.split('\n').filter((l) => l.startsWith('{"e"')).length;
    expect(queued).to.be.at.least(3); // file.added b, file.added c, daemon.stopping

    await server.restart();
    const again = new Daemon(p.daemon.config, { console: false });
    extraDaemons.push(again);
    await again.start();
    await again.index.whenIdle();
    await waitFor(() => again.status().natsState === 'connected', { what: 'reconnected' });
    await waitFor(() => again.nats!.queued === 0, { timeoutMs: 30_000, what: 'outbox drained' });
    const secondRun = again.events.since();
    expect(secondRun[0]!.id > firstRun.at(-1)!.id).to.equal(true);

    const nc = await client(server.url);
    const stored = (await readStream(nc, STREAM, 'rst1')).map((s) => s.event);
    const ids = stored.map((e) => e.id);
    console.log(
      `      restart: ${queued} events queued across the restart, stream holds ${ids.length}, ` +
        `duplicates ${ids.length - new Set(ids).size}`,
    );
    expect(ids).to.deep.equal([...firstRun, ...secondRun].map((e) => e.id));
    expect(stored.at(firstRun.length - 1)!.type).to.equal('daemon.stopping');
  });

  it('stores a retried publish once: the event id is the JetStream message id', async () => {
    server = await NatsServer.start();
    const nc = await client(server.url);
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: STREAM, subjects: ['p2p.>'] });
    // A previous run published `stored` but stopped before its ack came back,
    // so both events are still in its outbox.
    const old = new EventBus({ peerId: 'dup1' });
    const stored = old.emit('file.added', { sha256: sha256('x'), name: 'x', size: 1 })!;
    const unsent = old.emit('daemon.stopping', { reason: 'test' })!;
    // Queued by a daemon from before ids had their random part: it still drains.
    const older: EventEnvelope = {
      ...old.emit('file.removed', { sha256: sha256('y'), name: 'y', size: 1 })!,
      id: `${String(Date.now() - 1000).padStart(13, '0')}-000007`,
    };
    await nc.jetstream().publish(`p2p.dup1.file.added`, JSON.stringify(stored), {
      msgID: stored.id,
    });
    const dir = await mkdtemp(join(tmpdir(), 'p2pd-test-'));
    dirs.push(dir);
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(
      join(dir, 'data', 'nats-outbox.jsonl'),
      [older, stored, unsent].map((e) => JSON.stringify({ e })).join('\n') + '\n',
    );
    const config = resolveConfig(
      {
        id: 'dup1',
        sharedDir: join(dir, 'shared'),
        dataDir: join(dir, 'data'),
        grpc: { host: '127.0.0.1', port: 0 },
        rest: { host: '127.0.0.1', port: 0 },
        ...natsConfig(server.url),
      },
      'test',
      dir,
    );
    const daemon = new Daemon(config, { console: false });
    extraDaemons.push(daemon);
    await daemon.start();
    await daemon.index.whenIdle();
    await waitFor(() => daemon.nats!.queued === 0, { timeoutMs: 30_000, what: 'outbox drained' });
    const ids = (await readStream(nc, STREAM, 'dup1')).map((s) => s.event.id);
    expect(ids).to.deep.equal([
      stored.id,
      older.id,
      unsent.id,
      ...daemon.events.since().map((e) => e.id),
    ]);
    expect(daemon.events.since()[0]!.id > unsent.id).to.equal(true);
    const metrics = await daemon.core.metrics.registry.metrics();
    expect(metrics).to.match(/p2pd_nats_events_duplicate_total 1\b/);
  });

  it('runs without NATS, warns once, and catches up when the broker appears', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    const p = await peer({
      id: 'abs1',
      files: { 'a.txt': 'a' },
      config: { ...natsConfig(url), log: { level: 'debug' } },
    });
    expect(['connecting', 'disconnected']).to.include((await restStatus(p)).natsState);
    await writeFile(join(p.shared, 'b.txt'), 'b');
    // Identical lines collapse into "last message repeated N times" (written within 5 s).
    const attempts = async (): Promise<number> => {
      let n = 0;
      let last = '';
      for (const l of await logLines(p)) {
        if (l.repeated === undefined) last = l.msg;
        if (last === 'NATS connection attempt failed') n += l.repeated ?? 1;
      }
      return n;
    };
    await waitFor(async () => (await attempts()) >= 5, {
      timeoutMs: 30_000,
      what: 'several connection attempts',
    });
    await waitFor(
      () => p.daemon.events.since().some((e) => e.type === 'file.added' && e.data.name === 'b.txt'),
      { timeoutMs: 15_000, what: 'file.added b.txt' },
    );
    const warnings = (await logLines(p)).filter((l) => l.level === 40);
    expect(warnings.map((w) => w.msg)).to.have.length(1);
    expect(warnings[0]!.msg).to.match(/NATS unreachable at nats:\/\/127\.0\.0\.1:\d+/);
    expect((await restStatus(p)).natsState).to.equal('disconnected');

    server = await NatsServer.start({ port });
    await waitFor(() => p.daemon.status().natsState === 'connected', {
      timeoutMs: 30_000,
      what: 'connected once the broker runs',
    });
    await waitFor(() => p.daemon.nats!.queued === 0, { timeoutMs: 30_000, what: 'caught up' });
    const nc = await client(server.url);
    const stored = (await readStream(nc, STREAM, 'abs1')).map((s) => s.event.id);
    expect(stored).to.deep.equal(p.daemon.events.since().map((e: EventEnvelope) => e.id));
  });
});
