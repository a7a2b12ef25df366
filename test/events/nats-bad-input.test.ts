// NATS misconfigured or misbehaving: a clear error at config time, or one clear
// warning at run time while the daemon keeps serving.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { resolveConfig } from '../../src/config/load.js';
import { collect, connectClient } from '../fixtures/nats-client.js';
import { NatsServer } from '../fixtures/nats-server.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { runP2pd } from '../fixtures/spawn.js';

async function warnings(peer: TestPeer): Promise<string[]> {
  const text = await readFile(join(peer.dir, 'p2pd.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level === 40)
    .map((l) => l.msg);
}

async function restStatus(peer: TestPeer): Promise<{ natsState: string }> {
  const res = await fetch(`${peer.restUrl}/api/v1/status`, { signal: AbortSignal.timeout(5000) });
  expect(res.status).to.equal(200);
  return (await res.json()) as { natsState: string };
}

describe('NATS bad input', function () {
  this.timeout(60_000);
  let server: NatsServer | undefined;
  let peers: TestPeer[] = [];
  let clients: NatsConnection[] = [];
  let dirs: string[] = [];

  afterEach(async () => {
    for (const nc of clients) await nc.close().catch(() => undefined);
    for (const p of peers) await p.stop();
    await server?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    server = undefined;
    peers = [];
    clients = [];
    dirs = [];
  });

  async function peer(id: string, nats: Record<string, unknown>): Promise<TestPeer> {
    const p = await startPeer({ id, config: { nats: { reconnectWaitMs: 100, ...nats } } });
    peers.push(p);
    return p;
  }

  it('refuses a malformed nats.url with a ConfigError naming the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'p2pd-cfg-'));
    dirs.push(dir);
    for (const url of ['http://127.0.0.1:4222', 'nats://host:99999', 'nats://', 'a b', '']) {
      let error: unknown;
      try {
        resolveConfig({ sharedDir: join(dir, 's'), nats: { url } }, 'peer.json', dir);
      } catch (err) {
        error = err;
      }
      expect(error, url).to.have.property('name', 'ConfigError');
      expect(error, url).to.have.property('field', 'nats.url');
    }
    expect(() =>
      resolveConfig({ sharedDir: join(dir, 's'), nats: { url: ['nats://a:1', 'x y'] } }, 'p', dir),
    )
      .to.throw()
      .with.property('field', 'nats.url[1]');
    expect(() =>
      resolveConfig({ sharedDir: join(dir, 's'), nats: { jetstream: 'maybe' } }, 'p', dir),
    )
      .to.throw()
      .with.property('field', 'nats.jetstream');
    expect(() =>
      resolveConfig(
        { id: 'p1', sharedDir: join(dir, 's'), nats: { stream: { subjects: ['p2p.p2.>'] } } },
        'p',
        dir,
      ),
    )
      .to.throw()
      .with.property('field', 'nats.stream.subjects');
    for (const replicas of [0, 6, 1.5, '3']) {
      expect(
        () =>
          resolveConfig({ sharedDir: join(dir, 's'), nats: { stream: { replicas } } }, 'p', dir),
        String(replicas),
      )
        .to.throw()
        .with.property('field', 'nats.stream.replicas');
    }

    // The real binary: exit code 2 and the field on stderr.
    const file = join(dir, 'peer.json');
    await writeFile(file, JSON.stringify({ sharedDir: './s', nats: { url: 'nats://bad host' } }));
    const run = await runP2pd(['--config', file]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/nats\.url/);
  });

  it('starts and serves with an unreachable NATS host, and stops promptly', async () => {
    const started = Date.now();
    const p = await peer('unr1', { url: 'nats://no-such-host.invalid:4222' });
    expect(Date.now() - started).to.be.below(10_000);
    await waitFor(async () => (await restStatus(p)).natsState === 'disconnected', {
      timeoutMs: 15_000,
      what: 'disconnected',
    });
    await waitFor(async () => (await warnings(p)).length > 0, { what: 'the warning' });
    expect(await warnings(p)).to.have.length(1);
    const stopping = Date.now();
    await p.daemon.stop();
    expect(Date.now() - stopping).to.be.below(10_000);
  });

  it('warns once and keeps serving when the server rejects its credentials', async () => {
    server = await NatsServer.start({ token: 'right-token' });
    const p = await peer('auth1', { url: server.url, token: 'wrong-token' });
    await waitFor(async () => (await warnings(p)).length > 0, {
      timeoutMs: 15_000,
      what: 'warning',
    });
    expect((await restStatus(p)).natsState).to.equal('disconnected');
    expect(await warnings(p)).to.have.length(1);
    expect((await warnings(p))[0]).to.match(/NATS unreachable/);
  });

  it('falls back to plain publish with one warning when the stream name clashes', async () => {
    server = await NatsServer.start();
    const admin = await connectClient(server.url);
    clients.push(admin);
    const jsm = await admin.jetstreamManager();
    await jsm.streams.add({ name: 'P2P_EVENTS', subjects: ['other.>'] });
    const { received } = collect(admin, 'p2p.clash1.>');
    await admin.flush();

    const p = await peer('clash1', { url: server.url });
    await waitFor(() => received.some((r) => r.event.type === 'daemon.started'), {
      timeoutMs: 15_000,
      what: 'daemon.started over plain NATS',
    });
    expect((await restStatus(p)).natsState).to.equal('connected');
    // Reconnecting sets publishing up again: still one warning.
    await server.restart();
    await waitFor(() => p.daemon.status().natsState === 'connected', {
      timeoutMs: 15_000,
      what: 'reconnected',
    });
    await writeFile(join(p.shared, 'after.txt'), 'x');
    await waitFor(() => received.some((r) => r.event.type === 'file.added'), {
      timeoutMs: 15_000,
      what: 'file.added after the reconnect',
    });
    const w = await warnings(p);
    expect(w.filter((m) => /P2P_EVENTS exists with subjects \[other\.>\]/.test(m))).to.have.length(
      1,
    );
    const info = await (await admin.jetstreamManager()).streams.info('P2P_EVENTS');
    expect(info.config.subjects).to.deep.equal(['other.>']);
    expect(info.state.messages).to.equal(0);
  });

  it('uses an existing stream as it is, saying once in plain words how it differs from the config', async () => {
    server = await NatsServer.start();
    const admin = await connectClient(server.url);
    clients.push(admin);
    await (
      await admin.jetstreamManager()
    ).streams.add({
      name: 'P2P_EVENTS',
      subjects: ['p2p.>'],
      max_msgs: 5000,
    });
    const p = await peer('diff1', { url: server.url, stream: { replicas: 3 } });
    await waitFor(() => p.daemon.nats!.queued === 0, { timeoutMs: 15_000, what: 'delivered' });
    await server.restart();
    await waitFor(() => p.daemon.status().natsState === 'connected', { what: 'reconnected' });
    await writeFile(join(p.shared, 'after.txt'), 'x');
    await waitFor(() => p.daemon.events.since().some((e) => e.type === 'file.added'), {
      timeoutMs: 15_000,
      what: 'file.added',
    });
    await waitFor(() => p.daemon.nats!.queued === 0, { timeoutMs: 15_000, what: 'delivered' });
    // Once, though the reconnect sets publishing up again.
    const w = (await warnings(p)).filter((m) => /already exists/.test(m));
    expect(w).to.have.length(1);
    expect(w[0]).to.include('JetStream stream P2P_EVENTS already exists and is used as it is');
    expect(w[0]).to.include("nats.stream.replicas is 1 there, 3 in this peer's config");
    expect(w[0]).to.include("nats.stream.maxMsgs is 5000 there, 0 in this peer's config");
    const info = await (await admin.jetstreamManager()).streams.info('P2P_EVENTS');
    expect(info.config.num_replicas).to.equal(1);
    expect(info.config.max_msgs).to.equal(5000);
  });

  it('keeps events queued and says why when the server cannot keep nats.stream.replicas copies', async () => {
    server = await NatsServer.start();
    const p = await peer('rep1', { url: server.url, stream: { replicas: 3 } });
    await waitFor(async () => (await warnings(p)).length > 0, {
      timeoutMs: 15_000,
      what: 'warning',
    });
    const w = await warnings(p);
    expect(w).to.have.length(1);
    expect(w[0]).to.match(
      /the server refused to create JetStream stream P2P_EVENTS with 3 replicas: replicas > 1 not supported in non-clustered mode/,
    );
    expect(p.daemon.nats!.queued).to.be.at.least(1);
    expect((await restStatus(p)).natsState).to.equal('connected');
  });

  it('with jetstream "on", keeps events queued while the stream is unusable', async () => {
    server = await NatsServer.start();
    const admin = await connect({ servers: server.url });
    clients.push(admin);
    await (await admin.jetstreamManager()).streams.add({ name: 'P2P_EVENTS', subjects: ['x.>'] });
    const p = await peer('on1', { url: server.url, jetstream: 'on' });
    await waitFor(async () => (await warnings(p)).length > 0, {
      timeoutMs: 15_000,
      what: 'warning',
    });
    expect(p.daemon.nats!.queued).to.be.at.least(1);
    expect((await restStatus(p)).natsState).to.equal('connected');
    // The operator fixes the stream: the queue drains without a restart.
    await (await admin.jetstreamManager()).streams.delete('P2P_EVENTS');
    await waitFor(() => p.daemon.nats!.queued === 0, { timeoutMs: 15_000, what: 'drained' });
    expect(await warnings(p)).to.have.length(1);
  });

  it('publishes without persistence, with one warning, to a server without JetStream', async () => {
    server = await NatsServer.start({ jetstream: false });
    const nc = await connectClient(server.url);
    clients.push(nc);
    const { received } = collect(nc, 'p2p.>');
    await nc.flush();
    const p = await peer('nojs1', { url: server.url });
    await waitFor(() => received.some((r) => r.event.type === 'daemon.started'), {
      timeoutMs: 15_000,
      what: 'daemon.started',
    });
    expect(p.daemon.nats!.queued).to.equal(0);
    const w = await warnings(p);
    expect(w).to.have.length(1);
    expect(w[0]).to.match(/no JetStream/);
  });
});
