import { expect } from 'chai';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../src/events/bus.js';
import { Outbox } from '../../src/events/outbox.js';
import { DROP_TIERS, unplacedTypes } from '../../src/events/outbox-policy.js';
import type { EventEnvelope } from '../../src/events/types.js';

const file = { sha256: 'a'.repeat(64), name: 'a.txt', size: 1 };

describe('Outbox', () => {
  let dir: string;
  let bus: EventBus;
  let path: string;
  const progress = (n: number): EventEnvelope =>
    bus.emit('download.progress', {
      transferId: 't',
      sha256: file.sha256,
      bytesDone: n,
      size: 100,
      rateBps: 1,
    })!;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-outbox-'));
    path = join(dir, 'outbox.jsonl');
    bus = new EventBus({ peerId: 'p1' });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps undelivered events in order across a reopen, and forgets delivered ones', () => {
    const box = new Outbox({ file: path, maxEvents: 100 });
    expect(box.open()).to.deep.equal({ restored: 0, skippedLines: 0 });
    const events = Array.from({ length: 10 }, () => bus.emit('file.added', file)!);
    for (const e of events) box.append(e);
    const batch = box.take(4);
    expect(batch.map((e) => e.id)).to.deep.equal(events.slice(0, 4).map((e) => e.id));
    box.settle(batch.slice(0, 3).map((e) => e.id));
    box.close();

    const again = new Outbox({ file: path, maxEvents: 100 });
    expect(again.open().restored).to.equal(7);
    expect(again.take(100)).to.deep.equal(events.slice(3));
    expect(again.lastId).to.equal(events[9]!.id);
    again.close();
  });

  it('survives a crash: no close(), a torn last line', async () => {
    const box = new Outbox({ file: path, maxEvents: 100 });
    box.open();
    const events = Array.from({ length: 3 }, () => bus.emit('file.added', file)!);
    for (const e of events) box.append(e);
    box.settle([events[0]!.id]);
    await appendFile(path, '{"e":{"id":"9999');
    const again = new Outbox({ file: path, maxEvents: 100 });
    expect(again.open()).to.deep.equal({ restored: 2, skippedLines: 1 });
    expect(again.take(10).map((e) => e.id)).to.deep.equal(events.slice(1).map((e) => e.id));
    again.close();
  });

  it('when full drops the lowest tier first (progress, then peer/search), the oldest first', () => {
    const drops: string[] = [];
    const box = new Outbox({ file: path, maxEvents: 5, onDrop: (type) => drops.push(type) });
    box.open();
    const kept: EventEnvelope[] = [
      bus.emit('download.started', { transferId: 't', sha256: file.sha256, name: 'a', size: 100 })!,
    ];
    const p = [progress(1), progress(2), progress(3)];
    for (const e of [kept[0]!, ...p]) box.append(e);
    for (let i = 0; i < 3; i++) {
      const e = bus.emit('file.added', file)!;
      kept.push(e);
      box.append(e);
    }
    // 7 queued, bound 5: progress 1 and 2 go.
    expect(box.dropped).to.equal(2);
    expect(box.take(10).map((e) => e.id)).to.deep.equal(
      [kept[0]!, p[2]!, ...kept.slice(1)].map((e) => e.id),
    );
    box.settle([]);
    // A peer event, then file events: progress 3 goes, then the peer event, then
    // (no lower tier left) the oldest file/transfer event: the bound is hard.
    const joined = bus.emit('peer.joined', { peerId: 'x', address: 'h:1', direction: 'inbound' })!;
    box.append(joined);
    expect(drops).to.deep.equal(['download.progress', 'download.progress', 'download.progress']);
    const removed = Array.from({ length: 2 }, () => bus.emit('file.removed', file)!);
    for (const e of removed) box.append(e);
    expect(drops.slice(3)).to.deep.equal(['peer.joined', 'download.started']);
    expect(box.size).to.equal(5);
    expect(box.take(10).map((e) => e.id)).to.deep.equal(
      [...kept.slice(1), ...removed].map((e) => e.id),
    );
    box.settle([]);
    box.close();
    const again = new Outbox({ file: path, maxEvents: 5 });
    expect(again.open().restored).to.equal(5);
    again.close();
  });

  it('holds the file under maxBytes through a flood, keeping file events over peer events', async () => {
    const maxBytes = 64 * 1024;
    let byType: Record<string, number> = {};
    const box = new Outbox({
      file: path,
      maxEvents: 1_000_000,
      maxBytes,
      onDrop: (type) => (byType[type] = (byType[type] ?? 0) + 1),
    });
    box.open();
    const files = Array.from({ length: 20 }, (_, i) =>
      bus.emit('file.added', { ...file, name: `f${i}.txt` })!,
    );
    let largest = 0;
    for (let i = 0; i < 5000; i++) {
      if (i % 250 === 0) box.append(files[i / 250]!);
      const peer = { peerId: `spam-${i}`, address: '127.0.0.1:9' };
      box.append(bus.emit(i % 2 ? 'peer.left' : 'peer.joined', { ...peer, direction: 'inbound' })!);
      largest = Math.max(largest, (await stat(path)).size);
    }
    expect(largest, 'largest outbox file, bytes').to.be.at.most(maxBytes);
    expect(box.bytes).to.equal((await stat(path)).size);
    expect(Object.keys(byType).sort()).to.deep.equal(['peer.joined', 'peer.left']);
    const queued = box.take(1_000_000);
    expect(queued.filter((e) => e.type === 'file.added').map((e) => e.id)).to.deep.equal(
      files.map((e) => e.id),
    );
    box.settle([]);
    box.close();

    // A restart with a smaller bound trims what it restores, by the same tiers.
    byType = {};
    const smaller = new Outbox({ file: path, maxEvents: 30, onDrop: (type) => (byType[type] = 1) });
    expect(smaller.open().restored).to.be.at.most(30);
    expect(Object.keys(byType).sort()).to.deep.equal(['peer.joined', 'peer.left']);
    expect(smaller.take(100).filter((e) => e.type === 'file.added')).to.have.length(20);
    smaller.settle([]);
    smaller.close();
  });

  it('places every event type in exactly one drop tier', () => {
    expect(unplacedTypes()).to.deep.equal([]);
    const all = DROP_TIERS.flat();
    expect(new Set(all).size).to.equal(all.length);
  });

  it('never drops an event that is in flight', () => {
    const box = new Outbox({ file: path, maxEvents: 2 });
    box.open();
    const p = [progress(1), progress(2)];
    for (const e of p) box.append(e);
    box.take(2);
    // The only progress event not in flight is the newest: it is the one dropped.
    box.append(progress(3));
    expect(box.dropped).to.equal(1);
    box.settle([p[0]!.id, p[1]!.id]);
    expect(box.take(10)).to.deep.equal([]);
    expect(box.size).to.equal(0);
    box.close();
  });

  it('compacts the file so steady delivery does not grow it', async () => {
    const box = new Outbox({ file: path, maxEvents: 100, compactAfter: 50 });
    box.open();
    for (let i = 0; i < 500; i++) {
      box.append(bus.emit('file.added', file)!);
      const [e] = box.take(1);
      box.settle([e!.id]);
    }
    const last = bus.emit('file.added', file)!;
    box.append(last);
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines.length).to.be.below(110);
    box.close();
    const text = (await readFile(path, 'utf8')).trim().split('\n');
    expect(text).to.deep.equal([JSON.stringify({ last: last.id }), JSON.stringify({ e: last })]);
  });
});
