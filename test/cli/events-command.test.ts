// `p2pd events`: the real binary following a real daemon's events.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { runP2pd, spawnP2pd, type RunningDaemon } from '../fixtures/spawn.js';

const sha = (b: string): string => createHash('sha256').update(b).digest('hex');

describe('cli events', function () {
  this.timeout(60_000);
  let peer: TestPeer;
  let cli: RunningDaemon | undefined;

  beforeEach(async () => {
    peer = await startPeer({ id: 'ev-peer' });
  });
  afterEach(async () => {
    cli?.kill('SIGKILL');
    await cli?.exited;
    cli = undefined;
    await peer.stop();
  });

  const lines = (): string[] =>
    cli!
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '');

  /** Emits a marker event until the command prints it: from then on it misses nothing. */
  async function untilWatching(): Promise<void> {
    let n = 0;
    await waitFor(
      () => {
        peer.daemon.events.emit('search.served', {
          queryId: `ping${n++}`,
          query: 'ping',
          origin: 'peer9',
          from: 'test',
          hits: 0,
          hops: 0,
        });
        return lines().length > 0;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'p2pd events to print' },
    );
  }

  it('prints one aligned line per event, filtered by --types, until Ctrl-C', async () => {
    cli = spawnP2pd(['events', '--addr', peer.grpcAddress, '--types', 'file.*,search.served']);
    await untilWatching();
    await writeFile(join(peer.shared, 'song one.mp3'), 'la la');
    await cli.waitForOutput(/file\.added/, 20_000);
    const line = lines().find((l) => l.includes('file.added'))!;
    expect(line).to.match(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}file\.added {10}ev-peer {2}/);
    expect(line).to.include(`sha256=${sha('la la').slice(0, 12)} `);
    expect(line).to.include('name="song one.mp3" size=5');
    expect(lines().every((l) => / (file\.\w+|search\.served) /.test(l))).to.equal(true);
    cli.kill('SIGINT');
    expect((await cli.exited).code).to.equal(0);
  });

  it('prints JSON envelopes with --json and exits after --count events', async () => {
    cli = spawnP2pd(['events', '--addr', peer.grpcAddress, '--json', '--count', '5']);
    await untilWatching();
    for (let i = 0; i < 5; i++) {
      peer.daemon.events.emit('upload.sent', { sha256: sha('x'), name: 'x', size: 1, to: 'p2' });
    }
    const { code } = await cli.exited;
    expect(code).to.equal(0);
    const printed = lines().map((l) => JSON.parse(l) as { id: string; peer: string });
    expect(printed).to.have.length(5);
    const bus = peer.daemon.events.since();
    const firstIndex = bus.findIndex((e) => e.id === printed[0]!.id);
    expect(printed).to.deep.equal(bus.slice(firstIndex, firstIndex + 5));
  });

  it('replays the events after --after first, then goes on live', async () => {
    for (let i = 0; i < 3; i++) {
      peer.daemon.events.emit('upload.sent', {
        sha256: sha('x'),
        name: `u${i}`,
        size: 1,
        to: 'p2',
      });
    }
    const held = peer.daemon.events.since();
    const after = held.at(-3)!.id;
    cli = spawnP2pd([
      'events',
      '--addr',
      peer.grpcAddress,
      '--json',
      '--types',
      'upload.*',
      '--after',
      after,
      '--count',
      '3',
    ]);
    // The replay comes first: once it is printed the watch is live.
    await waitFor(() => lines().length >= 2, { timeoutMs: 20_000, what: 'the replay' });
    peer.daemon.events.emit('upload.sent', { sha256: sha('x'), name: 'u3', size: 1, to: 'p2' });
    const { code } = await cli.exited;
    expect(code).to.equal(0);
    const names = lines().map((l) => (JSON.parse(l) as { data: { name: string } }).data.name);
    expect(names).to.deep.equal(['u1', 'u2', 'u3']);
  });

  it('exits 0 when the daemon stops, after printing daemon.stopping', async () => {
    cli = spawnP2pd(['events', '--addr', peer.grpcAddress, '-t', 'daemon.*', '-t', 'search.*']);
    await untilWatching();
    await peer.daemon.stop();
    const { code } = await cli.exited;
    expect(code).to.equal(0);
    expect(lines().at(-1)).to.match(/ daemon\.stopping {5}ev-peer {2}reason=shutdown$/);
  });

  it('refuses a filter that matches no event type (exit 2) and an absent daemon (exit 1)', async () => {
    const bad = await runP2pd(['events', '--addr', peer.grpcAddress, '--types', 'downlod.*']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/"downlod\.\*" matches no event type/);
    const absent = await runP2pd(['events', '--addr', '127.0.0.1:1', '--timeout', '2000']);
    expect(absent.code).to.equal(1);
    expect(absent.stderr).to.match(/cannot reach the daemon at 127\.0\.0\.1:1/);
  });
});
