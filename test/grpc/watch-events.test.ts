// ControlService.WatchEvents: the bus as a gRPC server stream.
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { createControlClient } from '../../src/grpc/clients.js';
import type { ControlServiceClient } from '../../src/generated/p2p/v1/ControlService.js';
import type { Event__Output } from '../../src/generated/p2p/v1/Event.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { servedData } from '../fixtures/events.js';

interface Watch {
  events: Event__Output[];
  /** Resolves with the final status code. */
  ended: Promise<number>;
  call: ClientReadableStream<Event__Output>;
}

/** Opens a watch and resolves once the server is subscribed (its headers arrived). */
async function watch(client: ControlServiceClient, types: string[], afterId = ''): Promise<Watch> {
  const call = client.WatchEvents({ types, afterId });
  const events: Event__Output[] = [];
  call.on('data', (e: Event__Output) => events.push(e));
  const ended = new Promise<number>((resolve) => {
    call.on('status', (s: { code: number }) => resolve(s.code));
    call.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    call.once('metadata', () => resolve());
    call.once('error', reject);
  });
  return { events, ended, call };
}

describe('ControlService.WatchEvents', function () {
  this.timeout(30_000);
  let peer: TestPeer;
  let client: ControlServiceClient;

  beforeEach(async () => {
    peer = await startPeer({ id: 'watch1', files: { 'a.txt': 'a' } });
    client = createControlClient(peer.grpcAddress);
  });
  afterEach(async () => {
    client.close();
    await peer.stop();
  });

  it('streams the envelopes that match the filter, in order, with their data as JSON', async () => {
    const files = await watch(client, ['file.*']);
    const all = await watch(client, []);
    await writeFile(join(peer.shared, 'b.txt'), 'bb');
    await waitFor(() => files.events.length >= 1, { timeoutMs: 15_000, what: 'file.added' });
    peer.daemon.events.emit('search.served', {
      queryId: 'q1',
      query: 'b',
      origin: 'peer9',
      from: 'peer2',
      hits: 1,
      hops: 1,
    });
    await waitFor(() => all.events.length >= 2, { timeoutMs: 15_000, what: 'both events' });
    const added = files.events[0]!;
    expect(added).to.include({ type: 'file.added', peer: 'watch1' });
    expect(JSON.parse(added.dataJson)).to.include({ name: 'b.txt', size: 2 });
    expect(all.events.map((e) => e.type)).to.deep.equal(['file.added', 'search.served']);
    const bus = peer.daemon.events.since().slice(-2);
    expect(all.events.map((e) => e.id)).to.deep.equal(bus.map((e) => e.id));
    expect(files.events.map((e) => e.type)).to.deep.equal(['file.added']);
    files.call.cancel();
    all.call.cancel();
    expect(await files.ended).to.equal(status.CANCELLED);
  });

  it('resumes after after_id: replays what the daemon holds after it, then live events, none twice', async () => {
    const served = (n: number): void => {
      peer.daemon.events.emit('search.served', servedData(`q${n}`));
    };
    for (let i = 0; i < 5; i++) served(i);
    const history = peer.daemon.events.since();
    const resumeAt = history.at(-4)!;
    const w = await watch(client, ['search.*'], resumeAt.id);
    served(5);
    await waitFor(() => w.events.length >= 4, { what: 'replay and the live event' });
    const queries = w.events.map((e) => (JSON.parse(e.dataJson) as { queryId: string }).queryId);
    expect(queries).to.deep.equal(['q2', 'q3', 'q4', 'q5']);
    expect(w.events[0]!.id > resumeAt.id).to.equal(true);
    w.call.cancel();
  });

  it('rejects a malformed or unknown filter, or a bad after_id, with INVALID_ARGUMENT', async () => {
    for (const afterId of ['x', '1764000000000-000000-XYZ', '1'.repeat(200)]) {
      const call = client.WatchEvents({ afterId });
      const err = await new Promise<ServiceError>((resolve) => call.on('error', resolve));
      expect(err.code, afterId).to.equal(status.INVALID_ARGUMENT);
      expect(err.details).to.match(/after_id must be an event id/);
    }
    for (const types of [['download.'], ['downlod.*'], ['a b']]) {
      const call = client.WatchEvents({ types });
      const err = await new Promise<ServiceError>((resolve) => call.on('error', resolve));
      expect(err.code, types[0]).to.equal(status.INVALID_ARGUMENT);
    }
  });

  it('ends the stream with OK when the daemon stops, after daemon.stopping', async () => {
    const w = await watch(client, ['daemon.*']);
    await peer.daemon.stop();
    expect(await w.ended).to.equal(status.OK);
    expect(w.events.map((e) => e.type)).to.deep.equal(['daemon.stopping']);
  });
});
