import { expect } from 'chai';
import { EventBus, isEventId, matchesTypes } from '../../src/events/bus.js';
import { parseTypeFilters, watchEvents } from '../../src/events/watch.js';
import { EVENT_TYPES, type EventEnvelope } from '../../src/events/types.js';

const file = { sha256: 'a'.repeat(64), name: 'a.txt', size: 1 };

describe('EventBus', () => {
  it('gives unique ids that sort in emission order, even many per millisecond', () => {
    const bus = new EventBus({ peerId: 'p1' });
    const ids = Array.from({ length: 5000 }, () => bus.emit('file.added', file)!.id);
    expect(new Set(ids).size).to.equal(ids.length);
    expect([...ids].sort()).to.deep.equal(ids);
  });

  it('never gives two peers the same id, even emitting in the same millisecond', () => {
    const buses = ['p1', 'p2', 'p3'].map((peerId) => new EventBus({ peerId, historySize: 3000 }));
    for (let i = 0; i < 3000; i++) for (const bus of buses) bus.emit('file.added', file);
    const ids = buses.flatMap((bus) => bus.since().map((e) => e.id));
    expect(new Set(ids).size).to.equal(9000);
    for (const id of ids) expect(id).to.match(/^\d{13}-\d{6}-[0-9a-f]{16}$/);
    expect(isEventId(ids[0]!)).to.equal(true);
    // The form queued by earlier versions is still an id; anything else is not.
    expect(isEventId('1764000000000-000042')).to.equal(true);
    for (const bad of ['', 'x', '1764000000000-42', `${ids[0]!}0`, ids[0]!.toUpperCase()]) {
      expect(isEventId(bad), bad).to.equal(false);
    }
  });

  it('held until open(): the opening event comes first, then the held ones in order', () => {
    const bus = new EventBus({ peerId: 'p1', held: true });
    const seen: string[] = [];
    bus.subscribe((e) => seen.push(e.type));
    expect(bus.emit('file.added', file)).to.equal(undefined);
    bus.emit('peer.joined', { peerId: 'p2', address: 'a:1', direction: 'outbound' });
    expect(seen).to.deep.equal([]);
    expect(bus.since()).to.deep.equal([]);
    bus.open('daemon.started', { version: '0', grpcAddress: 'x', restAddress: 'y' });
    bus.emit('file.removed', file);
    expect(seen).to.deep.equal(['daemon.started', 'file.added', 'peer.joined', 'file.removed']);
    const ids = bus.since().map((e) => e.id);
    expect([...ids].sort()).to.deep.equal(ids);
  });

  it('stamps the envelope: type, RFC 3339 time, peer, data', () => {
    const bus = new EventBus({ peerId: 'p1' });
    const e = bus.emit('daemon.stopping', { reason: 'test' })!;
    expect(e).to.include({ type: 'daemon.stopping', peer: 'p1' });
    expect(new Date(e.time).toISOString()).to.equal(e.time);
    expect(e.data).to.deep.equal({ reason: 'test' });
  });

  it('resumeAfter makes later ids greater than a persisted one, even from the future', () => {
    const bus = new EventBus({ peerId: 'p1' });
    const future = `${String(Date.now() + 3_600_000).padStart(13, '0')}-000041`;
    bus.resumeAfter(future);
    const ids = [bus.emit('file.added', file)!.id, bus.emit('file.added', file)!.id];
    expect(ids[0]! > future).to.equal(true);
    expect(ids[1]! > ids[0]!).to.equal(true);
    bus.resumeAfter('garbage');
    expect(bus.emit('file.added', file)!.id > ids[1]!).to.equal(true);
    // An id from before the random part counts the same way.
    const old = `${String(Date.now() + 7_200_000).padStart(13, '0')}-000003`;
    bus.resumeAfter(old);
    expect(bus.emit('file.added', file)!.id > old).to.equal(true);
  });

  it('keeps a bounded history and replays after an id', () => {
    const bus = new EventBus({ peerId: 'p1', historySize: 10 });
    const ids = Array.from({ length: 25 }, () => bus.emit('file.added', file)!.id);
    expect(bus.since().map((e) => e.id)).to.deep.equal(ids.slice(15));
    expect(bus.since(ids[20]).map((e) => e.id)).to.deep.equal(ids.slice(21));
  });

  it('a throwing subscriber breaks neither the emitter nor the others, and is reported', () => {
    const failed: [string, string][] = [];
    const bus = new EventBus({
      peerId: 'p1',
      onListenerError: (err, event) => failed.push([(err as Error).message, event.type]),
    });
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((e) => seen.push(e.type));
    bus.emit('file.added', file);
    expect(seen).to.deep.equal(['file.added']);
    expect(failed).to.deep.equal([['boom', 'file.added']]);
  });

  it('declares every DESIGN.md event type once', () => {
    const design = [
      'daemon.started',
      'daemon.stopping',
      'peer.joined',
      'peer.left',
      'peer.failed',
      'file.added',
      'file.changed',
      'file.removed',
      'search.completed',
      'search.served',
      'download.started',
      'download.progress',
      'download.completed',
      'download.failed',
      'upload.received',
      'upload.sent',
    ];
    expect(EVENT_TYPES).to.include.members(design);
    expect(new Set(EVENT_TYPES).size).to.equal(EVENT_TYPES.length);
  });
});

describe('matchesTypes', () => {
  it('matches token by token like NATS subjects', () => {
    expect(matchesTypes('download.progress', [])).to.equal(true);
    expect(matchesTypes('download.progress', ['download.*'])).to.equal(true);
    expect(matchesTypes('download.progress', ['download.>'])).to.equal(true);
    expect(matchesTypes('download.progress', ['*.progress'])).to.equal(true);
    expect(matchesTypes('download.progress', ['*'])).to.equal(true);
    expect(matchesTypes('download.progress', ['>'])).to.equal(true);
    expect(matchesTypes('download.progress', ['download.progress'])).to.equal(true);
    expect(matchesTypes('download.progress', ['download'])).to.equal(false);
    expect(matchesTypes('download.progress', ['down.*'])).to.equal(false);
    expect(matchesTypes('downloads.x', ['download.*'])).to.equal(false);
    expect(matchesTypes('file.added', ['download.*', 'file.added'])).to.equal(true);
  });
});

describe('parseTypeFilters', () => {
  it('accepts lists and comma-separated values', () => {
    expect(parseTypeFilters(undefined)).to.deep.equal([]);
    expect(parseTypeFilters('download.*, peer.>')).to.deep.equal(['download.*', 'peer.>']);
    expect(parseTypeFilters(['file.added', 'file.removed,*'])).to.deep.equal([
      'file.added',
      'file.removed',
      '*',
    ]);
  });

  it('rejects malformed filters and ones that match no type', () => {
    for (const bad of [
      'download.',
      'Download.*',
      'a b',
      'peer.>.x',
      'downlod.*',
      'x'.repeat(200),
    ]) {
      expect(() => parseTypeFilters(bad), bad)
        .to.throw()
        .with.property('name', 'InvalidArgumentError');
    }
    expect(() => parseTypeFilters(Array(40).fill('file.added')))
      .to.throw()
      .with.property('name', 'InvalidArgumentError');
  });
});

describe('watchEvents', () => {
  it('replays history after an id, then live events, with no gap and the filter applied', async () => {
    const bus = new EventBus({ peerId: 'p1' });
    const first = bus.emit('file.added', file)!;
    bus.emit('index.scanned', { files: 1, bytes: 1, hashedBytes: 1, durationMs: 1 });
    const second = bus.emit('file.removed', file)!;
    const abort = new AbortController();
    const got: EventEnvelope[] = [];
    const reading = (async () => {
      for await (const e of watchEvents(bus, {
        afterId: first.id,
        types: ['file.*'],
        signal: abort.signal,
      })) {
        got.push(e);
        if (got.length === 3) abort.abort();
      }
    })();
    const third = bus.emit('file.changed', { ...file, previousSha256: 'b'.repeat(64) })!;
    bus.emit('daemon.started', { version: '0', grpcAddress: 'x', restAddress: 'y' });
    const fourth = bus.emit('file.added', file)!;
    await reading;
    expect(got.map((e) => e.id)).to.deep.equal([second.id, third.id, fourth.id]);
  });

  it('ends after daemon.stopping', async () => {
    const bus = new EventBus({ peerId: 'p1' });
    const got: string[] = [];
    const reading = (async () => {
      for await (const e of watchEvents(bus, {})) got.push(e.type);
    })();
    bus.emit('file.added', file);
    bus.emit('daemon.stopping', { reason: 'test' });
    bus.emit('file.added', file);
    await reading;
    expect(got).to.deep.equal(['file.added', 'daemon.stopping']);
  });

  it('fails a reader that falls too far behind instead of growing without bound', async () => {
    const bus = new EventBus({ peerId: 'p1' });
    const watch = watchEvents(bus, { maxQueue: 5 });
    const firstRead = watch.next();
    for (let i = 0; i < 20; i++) bus.emit('file.added', file);
    const error = await firstRead.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).to.have.property('name', 'UnavailableError');
  });
});
