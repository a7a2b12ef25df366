// The overlay's small parts on their own: the seen-query cache, the stream
// merge with its deadline, the host cache and its file.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { resolveConfig } from '../../src/config/load.js';
import { HostCache } from '../../src/overlay/host-cache.js';
import { mergeUntil } from '../../src/overlay/merge.js';
import { SeenCache } from '../../src/overlay/seen-cache.js';

const silent = pino({ level: 'silent' });

async function* slowly<T>(items: T[], everyMs: number, signal: AbortSignal): AsyncGenerator<T> {
  for (const item of items) {
    await new Promise((r) => setTimeout(r, everyMs));
    if (signal.aborted) return;
    yield item;
  }
}

describe('overlay parts', () => {
  describe('config', () => {
    it('has overlay and search defaults and refuses inconsistent bounds, naming the field', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'p2pd-cfg-'));
      try {
        const ok = resolveConfig({ sharedDir: 'share' }, 'p.json', dir);
        expect(ok.overlay).to.include({ minPeers: 3, maxPeers: 8, pingIntervalMs: 1000 });
        expect(ok.search).to.include({ defaultTtl: 7, maxTtl: 16, defaultTimeoutMs: 3000 });
        const bad = (raw: object) => () =>
          resolveConfig({ sharedDir: 'share', ...raw }, 'p.json', dir);
        expect(bad({ overlay: { minPeers: 9 } })).to.throw(/overlay\.minPeers: must not exceed/);
        expect(bad({ search: { defaultTtl: 20 } })).to.throw(/search\.defaultTtl: must not exceed/);
        expect(bad({ overlay: { pingIntervalMs: 0 } })).to.throw(/overlay\.pingIntervalMs/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('SeenCache', () => {
    it('reports duplicates, forgets ids after their time, and stays bounded', () => {
      const seen = new SeenCache<number>(3, 1000);
      const add = (id: string, now: number): boolean => seen.claim(id, () => now, now).first;
      expect(add('a', 0)).to.equal(true);
      expect(add('a', 10)).to.equal(false);
      expect(add('a', 1001)).to.equal(true); // expired, so new again
      for (const id of ['b', 'c', 'd', 'e']) add(id, 1002);
      expect(seen.size).to.equal(3);
      expect(add('e', 1003)).to.equal(false);
      // What the first copy recorded is what a later copy finds.
      expect(seen.claim('e', () => 99, 1004).value).to.equal(1002);
    });
  });

  describe('mergeUntil', () => {
    it('interleaves sources as items arrive and ends when all end', async () => {
      const got: string[] = [];
      const never = new AbortController().signal;
      for await (const x of mergeUntil(
        [(s) => slowly(['a1', 'a2'], 5, s), (s) => slowly(['b1'], 1, s)],
        Date.now() + 5000,
        never,
        () => undefined,
      )) {
        got.push(x);
      }
      expect(got.sort()).to.deep.equal(['a1', 'a2', 'b1']);
    });

    it('ends at the deadline with what arrived, aborting a source that hangs', async () => {
      let aborted = false;
      const hang = (signal: AbortSignal): AsyncIterable<string> => ({
        async *[Symbol.asyncIterator]() {
          yield 'early';
          await new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve();
            }),
          );
        },
      });
      const started = Date.now();
      const got: string[] = [];
      for await (const x of mergeUntil(
        [hang],
        Date.now() + 150,
        new AbortController().signal,
        () => undefined,
      )) {
        got.push(x);
      }
      expect(got).to.deep.equal(['early']);
      expect(Date.now() - started).to.be.within(100, 2000);
      expect(aborted).to.equal(true);
    });

    it('reports a failing source and keeps the others', async () => {
      const errors: number[] = [];
      const failing = (): AsyncIterable<string> => ({
        // eslint-disable-next-line require-yield
        async *[Symbol.asyncIterator]() {
          throw new Error('boom');
        },
      });
      const got: string[] = [];
      for await (const x of mergeUntil(
        [failing, (s) => slowly(['ok'], 1, s)],
        Date.now() + 5000,
        new AbortController().signal,
        (_e, i) => errors.push(i),
      )) {
        got.push(x);
      }
      expect(got).to.deep.equal(['ok']);
      expect(errors).to.deep.equal([0]);
    });
  });

  describe('HostCache', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'p2pd-hosts-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    const init = () => ({
      dataDir: dir,
      maxEntries: 3,
      dialBackoffMs: 1000,
      maxDialBackoffMs: 8000,
    });

    it('backs off a failing address, never dials its own, and evicts the worst first', () => {
      const hosts = new HostCache(silent, init());
      hosts.addBootstrap(['127.0.0.1:1']);
      hosts.learn('127.0.0.1:2', 'b');
      hosts.markOwn('127.0.0.1:3');
      hosts.learn('127.0.0.1:3', 'me');
      expect(hosts.dialable(() => false).map((h) => h.address)).to.deep.equal([
        '127.0.0.1:1',
        '127.0.0.1:2',
      ]);
      hosts.failed('127.0.0.1:1');
      expect(hosts.dialable(() => false).map((h) => h.address)).to.deep.equal(['127.0.0.1:2']);
      hosts.failed('127.0.0.1:2');
      hosts.learn('127.0.0.1:4', 'd');
      hosts.learn('127.0.0.1:5', 'e'); // over the limit of 3: the failing non-bootstrap one goes
      expect(hosts.size).to.equal(3);
      expect(
        hosts
          .dialable(() => false)
          .map((h) => h.address)
          .sort(),
      ).to.deep.equal(['127.0.0.1:4', '127.0.0.1:5']);
    });

    it('survives a restart in hosts.json and ignores a corrupt file', async () => {
      const hosts = new HostCache(silent, init());
      hosts.learn('127.0.0.1:2', 'b');
      hosts.succeeded('127.0.0.1:2', 'b');
      await hosts.save();
      const again = new HostCache(silent, init());
      await again.load();
      expect(again.healthy().map((h) => [h.address, h.id])).to.deep.equal([['127.0.0.1:2', 'b']]);

      await writeFile(join(dir, 'hosts.json'), '{"hosts": [{"address": "nope"}, 42]');
      const corrupt = new HostCache(silent, init());
      await corrupt.load();
      expect(corrupt.size).to.equal(0);
      await writeFile(
        join(dir, 'hosts.json'),
        '{"hosts": [{"address": "nope", "lastSeenMs": 1}, {"address": "h:1", "lastSeenMs": 1}]}',
      );
      const partly = new HostCache(silent, init());
      await partly.load();
      expect(partly.dialable(() => false).map((h) => h.address)).to.deep.equal(['h:1']);
    });
  });
});
