// GET /api/v1/events: the bus as Server-Sent Events, resumable with Last-Event-ID.
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventEnvelope } from '../../src/events/types.js';
import { expectProblem, http } from '../fixtures/http.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { SseClient } from '../fixtures/sse-client.js';
import { servedData } from '../fixtures/events.js';

describe('REST events (SSE)', function () {
  this.timeout(30_000);
  let peer: TestPeer;
  let clients: SseClient[] = [];

  beforeEach(async () => {
    peer = await startPeer({ id: 'sse-peer', files: { 'a.txt': 'a' } });
  });
  afterEach(async () => {
    for (const c of clients) c.close();
    clients = [];
    await peer.stop();
  });

  async function open(query = '', headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await SseClient.open(`${peer.restUrl}/api/v1/events${query}`, headers);
    clients.push(client);
    expect(client.response.status).to.equal(200);
    expect(client.response.headers.get('content-type')).to.match(/^text\/event-stream/);
    await waitFor(() => client.comments.includes('watching'), { what: 'the subscription' });
    return client;
  }

  const served = (i: number): void => {
    peer.daemon.events.emit('search.served', servedData(`q${i}`));
  };

  it('streams each envelope with its id, in order, the same as the bus', async () => {
    const sse = await open();
    await writeFile(join(peer.shared, 'b.txt'), 'bb');
    await waitFor(() => sse.messages.length >= 1, { timeoutMs: 15_000, what: 'file.added' });
    for (let i = 0; i < 20; i++) served(i);
    await waitFor(() => sse.messages.length >= 21, { what: '21 events' });
    const bus = peer.daemon.events.since().slice(-21);
    expect(sse.json<EventEnvelope>()).to.deep.equal(bus);
    expect(sse.messages.map((m) => m.id)).to.deep.equal(bus.map((e) => e.id));
    expect(sse.messages.every((m) => m.event === undefined)).to.equal(true);
  });

  it('filters with ?types= (wildcards, lists, repeats)', async () => {
    const files = await open('?types=file.*');
    const mixed = await open('?types=daemon.stopping,*.served&types=upload.sent');
    served(1);
    await writeFile(join(peer.shared, 'c.txt'), 'c');
    await waitFor(() => files.messages.length >= 1, { timeoutMs: 15_000, what: 'file.added' });
    peer.daemon.events.emit('upload.sent', { sha256: 'a'.repeat(64), name: 'x', size: 1, to: 'p' });
    await waitFor(() => mixed.messages.length >= 2, { what: 'served and upload.sent' });
    expect(files.json<EventEnvelope>().map((e) => e.type)).to.deep.equal(['file.added']);
    expect(mixed.json<EventEnvelope>().map((e) => e.type)).to.deep.equal([
      'search.served',
      'upload.sent',
    ]);
  });

  it('a client that reconnects with Last-Event-ID misses nothing and gets nothing twice', async () => {
    const first = await open();
    for (let i = 0; i < 30; i++) served(i);
    await waitFor(() => first.messages.length >= 30, { what: '30 events' });
    first.close();
    const lastSeen = first.messages.at(-1)!.id!;
    // While it is away: more events, a file among them.
    for (let i = 30; i < 80; i++) served(i);
    await writeFile(join(peer.shared, 'd.txt'), 'd');
    // d.txt's own event: a.txt's, from the start, is in the log too.
    const addedD = (e: EventEnvelope): boolean =>
      e.type === 'file.added' && (e.data as { name?: string }).name === 'd.txt';
    await waitFor(() => peer.daemon.events.since().some(addedD), {
      timeoutMs: 15_000,
      what: 'file.added while away',
    });
    const missed = peer.daemon.events.since(lastSeen);
    const second = await open('', { 'Last-Event-ID': lastSeen });
    served(80);
    await waitFor(() => second.messages.length >= missed.length + 1, { what: 'replay and live' });
    const all = [...first.json<EventEnvelope>(), ...second.json<EventEnvelope>()];
    const ids = all.map((e) => e.id);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(second.json<EventEnvelope>().slice(0, missed.length)).to.deep.equal(missed);
    const since = peer.daemon.events.since(first.messages[0]!.id);
    expect(all.slice(1)).to.deep.equal(since.slice(0, all.length - 1));
    // The same resume through ?after=, with a filter.
    const byQuery = await open(`?after=${lastSeen}&types=file.added`);
    const wanted = missed.filter((e) => e.type === 'file.added');
    expect(wanted.filter(addedD)).to.have.length(1);
    await waitFor(() => byQuery.messages.length >= wanted.length, { what: 'filtered replay' });
    expect(byQuery.json<EventEnvelope>()).to.deep.equal(wanted);
  });

  it('ends the stream after daemon.stopping', async () => {
    const sse = await open('?types=daemon.*');
    await peer.daemon.stop();
    await sse.ended;
    expect(sse.json<EventEnvelope>().map((e) => e.type)).to.deep.equal(['daemon.stopping']);
  });

  it('needs the token when REST has one: a header, or the session cookie EventSource sends', async () => {
    const guarded = await startPeer({ id: 'sse-auth', config: { rest: { token: 'sse-token-1' } } });
    try {
      const url = `${guarded.restUrl}/api/v1/events`;
      await expectProblem(await http(url), 401, 'UNAUTHENTICATED');
      await expectProblem(await http(`${url}?access_token=sse-token-1`), 401, 'UNAUTHENTICATED');
      const bySession = await http(`${guarded.restUrl}/api/v1/session`, {
        method: 'POST',
        headers: { Authorization: 'Bearer sse-token-1' },
      });
      const cookie = (bySession.headers.get('set-cookie') ?? '').split(';')[0]!;
      const ways: Record<string, string>[] = [
        { Authorization: 'Bearer sse-token-1' },
        { Cookie: cookie },
      ];
      for (const headers of ways) {
        const sse = await SseClient.open(`${url}?types=search.*`, headers);
        clients.push(sse);
        expect(sse.response.status).to.equal(200);
        await waitFor(() => sse.comments.includes('watching'), { what: 'the subscription' });
      }
    } finally {
      await guarded.stop();
    }
  });

  it('refuses a bad filter or event id with a 400 problem', async () => {
    const url = `${peer.restUrl}/api/v1/events`;
    await expectProblem(await http(`${url}?types=downlod.*`), 400, 'INVALID_ARGUMENT');
    await expectProblem(await http(`${url}?types=a%20b`), 400, 'INVALID_ARGUMENT');
    await expectProblem(await http(`${url}?after=yesterday`), 400, 'INVALID_ARGUMENT');
    await expectProblem(
      await http(url, { headers: { 'Last-Event-ID': 'x' } }),
      400,
      'INVALID_ARGUMENT',
    );
    await expectProblem(await http(`${url}?follow=1`), 400, 'INVALID_ARGUMENT');
  });
});
