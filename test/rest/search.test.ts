// GET /api/v1/search: aggregated JSON and Server-Sent Events, over a line
// of real daemons a - b - c.
import { expect } from 'chai';
import { expectProblem, getJson, http } from '../fixtures/http.js';
import type { TestPeer } from '../fixtures/peers.js';
import { startFakePeer, type FakePeer } from '../overlay/fake-peer.js';
import { startNetPeer, stopAll } from '../overlay/network.js';

interface HitJson {
  file: { sha256: string; names: string[]; size: number; mtimeMs: number; chunkSize: number };
  peer: { id: string; address: string };
  hops: number;
  latencyMs: number;
}
interface ResultJson {
  queryId: string;
  query: string;
  ttl: number;
  timeoutMs: number;
  hits: HitJson[];
  durationMs: number;
}

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
  /** ms since the request was sent. */
  at: number;
}

/** Reads an SSE response to its end, timing each event. */
async function readEvents(res: Response, sentAt: number): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<string, unknown>;
      events.push({ event, data, at: Date.now() - sentAt });
    }
  }
  return events;
}

describe('REST GET /api/v1/search', function () {
  this.timeout(30_000);
  // Hand-made topology: no healing, no exploring.
  const manual = { minPeers: 0, exploreIntervalMs: 0 };
  let a: TestPeer;
  let b: TestPeer;
  let c: TestPeer;
  let fake: FakePeer | undefined;

  before(async () => {
    a = await startNetPeer({ id: 'a', overlay: manual, files: { 'a-holiday.jpg': 'aa' } });
    b = await startNetPeer({ id: 'b', overlay: manual, files: { 'b-holiday.jpg': 'bbb' } });
    c = await startNetPeer({ id: 'c', overlay: manual, files: { 'c-holiday.jpg': 'cccc' } });
    await a.daemon.overlay.connect(b.grpcAddress);
    await b.daemon.overlay.connect(c.grpcAddress);
  });
  after(async () => {
    await fake?.stop(true);
    await stopAll([a, b, c]);
  });

  const url = (query: string): string => `${a.restUrl}/api/v1/search?${query}`;

  it('returns the aggregated hits of every peer within the TTL', async () => {
    const r = await getJson<ResultJson>(url('q=Holiday'));
    expect(r).to.include({ query: 'Holiday', ttl: 7, timeoutMs: 3000 });
    expect(r.queryId).to.be.a('string').and.not.equal('');
    expect(
      r.hits.map((h) => [h.peer.id, h.hops, h.file.names[0], h.file.size]).sort(),
    ).to.deep.equal([
      ['a', 0, 'a-holiday.jpg', 2],
      ['b', 1, 'b-holiday.jpg', 3],
      ['c', 2, 'c-holiday.jpg', 4],
    ]);
    const fromC = r.hits.find((h) => h.peer.id === 'c')!;
    expect(fromC.peer.address).to.equal(c.grpcAddress);
    expect(fromC.file).to.have.all.keys('sha256', 'names', 'size', 'mtimeMs', 'chunkSize');
    expect(fromC.latencyMs).to.be.at.least(0).and.at.most(r.durationMs);

    const near = await getJson<ResultJson>(url('q=holiday&ttl=1'));
    expect(near.hits.map((h) => h.peer.id).sort()).to.deep.equal(['a', 'b']);
    const local = await getJson<ResultJson>(url('q=holiday&ttl=0&timeout_ms=500'));
    expect(local).to.include({ ttl: 0, timeoutMs: 500 });
    expect(local.hits.map((h) => h.peer.id)).to.deep.equal(['a']);
  });

  it('streams Server-Sent Events with Accept: text/event-stream', async () => {
    const sentAt = Date.now();
    const res = await http(url('q=holiday'), { headers: { accept: 'text/event-stream' } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
    const events = await readEvents(res, sentAt);
    expect(events.map((e) => e.event)).to.deep.equal(['started', 'hit', 'hit', 'hit', 'done']);
    expect(events[0]!.data).to.include({ query: 'holiday', ttl: 7, timeoutMs: 3000 });
    const hits = events.filter((e) => e.event === 'hit').map((e) => e.data as unknown as HitJson);
    expect(hits.map((h) => h.peer.id).sort()).to.deep.equal(['a', 'b', 'c']);
    expect(events.at(-1)!.data).to.include({ queryId: events[0]!.data.queryId, hits: 3 });
  });

  it('sends each hit as it arrives, before a hanging neighbor runs out the time', async () => {
    fake = await startFakePeer({ id: 'sloth', hangOnSearch: true });
    await a.daemon.overlay.connect(fake.address);
    const sentAt = Date.now();
    const res = await http(url('q=holiday&ttl=1&timeout_ms=2500'), {
      headers: { accept: 'text/event-stream' },
    });
    const events = await readEvents(res, sentAt);
    const hitAt = Math.max(...events.filter((e) => e.event === 'hit').map((e) => e.at));
    const doneAt = events.at(-1)!.at;
    expect(events.at(-1)!.event).to.equal('done');
    expect(events.filter((e) => e.event === 'hit')).to.have.length(2);
    expect(doneAt - hitAt, 'hits came well before the end').to.be.above(1000);
    expect(doneAt).to.be.below(2500 + 1500);
    await a.daemon.overlay.disconnect('sloth');
  });

  it('refuses bad input with 400 problems, or a problem event on an event stream', async () => {
    const cases = [
      '',
      'q=',
      'q=%20%20',
      `q=${'x'.repeat(100 * 1024)}`,
      'q=a&ttl=1000000',
      'q=a&ttl=-1',
      'q=a&ttl=1.5',
      'q=a&timeout_ms=0',
      'q=a&timeout_ms=999999999',
      'q=a&timeout_ms=soon',
      'q=a&hops=2',
    ];
    for (const query of cases) {
      const res = await http(url(query));
      const p = await expectProblem(res, 400, 'INVALID_ARGUMENT');
      expect(p.detail, query.slice(0, 40)).to.be.a('string');
    }
    // EventSource cannot read a 400's body: an event-stream request gets the problem as an event.
    const sse = await http(url('q=a&ttl=1000000'), { headers: { accept: 'text/event-stream' } });
    expect(sse.status).to.equal(200);
    const events = await readEvents(sse, Date.now());
    expect(events.map((e) => e.event)).to.deep.equal(['problem']);
    expect(events[0]!.data).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
    expect(events[0]!.data.detail).to.match(/ttl/);
    // Still serving.
    expect((await getJson<ResultJson>(url('q=holiday&ttl=0'))).hits).to.have.length(1);
  });
});
