// Search simulation: N in-process daemons (real gRPC on loopback, no folder
// watching) over a random overlay, with popular and rare files, and queries
// measured in both modes on the same overlay at the same moment: a flooded
// copy (SearchRequest.flood) and a routed one. Recall counts the holders
// found among the holders within the TTL horizon (BFS over the actual
// neighbor graph). Shared by `npm run bench search` and test/overlay.
import { randomBytes } from 'node:crypto';
import { compileQuery } from '../src/index/keywords.js';
import { startPeer, waitFor, type TestPeer } from '../test/fixtures/peers.js';
import { waitForRoutes } from '../test/overlay/network.js';

export interface SimOptions {
  peers: number;
  /** Target neighbors per peer (overlay.minPeers; maxPeers is twice it). */
  degree: number;
  /** Distinct popular files, each on `popularShare` of the peers. */
  popular: number;
  popularShare: number;
  /** Distinct rare files, each on 1 to `maxRareHolders` peers. */
  rare: number;
  maxRareHolders: number;
  /** Queries naming nothing anywhere (where flooding wastes the most). */
  misses: number;
  ttl: number;
  routesIntervalMs: number;
  /** Time for all of it to form, ms. */
  formTimeoutMs: number;
}

export interface Network {
  peers: TestPeer[];
  queries: { text: string; kind: 'popular' | 'rare' | 'miss' }[];
  /** Seconds to start every daemon, and the process RSS they added, MiB. */
  startSeconds: number;
  rssMiB: number;
  stop(): Promise<void>;
}

export interface QueryFigures {
  query: string;
  kind: string;
  mode: 'flood' | 'bloom';
  holders: number;
  found: number;
  recall: number;
  messages: number;
  duplicates: number;
  /** Until the last hit, and until the search ended, ms. */
  lastHitMs: number;
  durationMs: number;
}

/** Daemons started at once while the network forms. */
const START_BATCH = 8;

const word = (): string => randomBytes(5).toString('hex').replace(/^\d/, 'q');
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const id = (p: TestPeer): string => p.daemon.config.id;

function sample<T>(xs: readonly T[], n: number): T[] {
  const copy = [...xs];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

export async function startNetwork(o: SimOptions): Promise<Network> {
  const files: Record<string, string>[] = Array.from({ length: o.peers }, (_, i) => ({
    [`notes/notes-${word()}-${i}.txt`]: `notes of peer ${i}`,
  }));
  const queries: Network['queries'] = [];
  const all = [...files.keys()];
  for (let i = 0; i < o.popular; i++) {
    const w = word();
    const holders = Math.max(1, Math.round(o.peers * o.popularShare));
    for (const p of sample(all, holders)) files[p]![`music/${w}-greatest-hits.mp3`] = `hits ${w}`;
    queries.push({ text: `${w} hits`, kind: 'popular' });
  }
  for (let i = 0; i < o.rare; i++) {
    const w = word();
    const holders = 1 + Math.floor(Math.random() * o.maxRareHolders);
    for (const p of sample(all, holders)) files[p]![`rare/${w}-bootleg.flac`] = `rare ${w}`;
    queries.push({ text: w, kind: 'rare' });
  }
  for (let i = 0; i < o.misses; i++) queries.push({ text: word(), kind: 'miss' });

  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const peers: TestPeer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(peers.map((p) => p.stop()));
  };
  const start = (i: number, bootstrap: string[]): Promise<TestPeer> =>
    startPeer({
      id: `s${i}`,
      files: files[i]!,
      config: {
        bootstrap,
        index: { watch: false, rescanIntervalMs: 0 },
        overlay: {
          minPeers: o.degree,
          maxPeers: 2 * o.degree,
          pingIntervalMs: 1000,
          pingTimeoutMs: 5000,
          failAfterMisses: 5,
          joinTimeoutMs: 5000,
          dialBackoffMs: 200,
          maxDialBackoffMs: 2000,
          // Exploring adds and swaps neighbors every few seconds somewhere in the
          // network, so on a loaded machine the tables never all held still (CI: no
          // settle in 60 s). Recall against flooding is compared on an overlay that does.
          exploreIntervalMs: 0,
        },
        search: {
          routing: 'bloom',
          // The flooded copies are the yardstick: every peer honours them here.
          remoteFlood: true,
          routesIntervalMs: o.routesIntervalMs,
          routesTimeoutMs: 5000,
        },
        log: { level: 'error' },
      },
    });
  try {
    peers.push(await start(0, []));
    // In batches, each peer bootstrapping from one already up: a random overlay grown in parallel.
    for (let i = 1; i < o.peers; i += START_BATCH) {
      const batch = Array.from({ length: Math.min(START_BATCH, o.peers - i) }, (_, k) =>
        start(i + k, [pick(peers).grpcAddress]),
      );
      const settled = await Promise.allSettled(batch);
      for (const r of settled) if (r.status === 'fulfilled') peers.push(r.value);
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
    const startSeconds = (performance.now() - started) / 1000;
    await waitFor(() => peers.every((p) => p.daemon.overlay.neighborCount >= o.degree), {
      timeoutMs: o.formTimeoutMs,
      intervalMs: 100,
      what: `every peer with >= ${o.degree} neighbors`,
    });
    await waitForRoutes(peers, o.routesIntervalMs, o.formTimeoutMs);
    const rssMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    return { peers, queries, startSeconds, rssMiB, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Peers within `ttl` hops of `origin` over the current neighbor graph. */
export function horizon(peers: readonly TestPeer[], origin: TestPeer, ttl: number): Set<string> {
  const byId = new Map(peers.map((p) => [id(p), p]));
  const seen = new Set([id(origin)]);
  let frontier = [origin];
  for (let hop = 0; hop < ttl && frontier.length > 0; hop++) {
    const next: TestPeer[] = [];
    for (const p of frontier) {
      for (const n of p.daemon.overlay.neighbors()) {
        const peer = byId.get(n.peer.id);
        if (peer && !seen.has(n.peer.id)) {
          seen.add(n.peer.id);
          next.push(peer);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

function totals(peers: readonly TestPeer[]): { received: number; duplicates: number } {
  let received = 0;
  let duplicates = 0;
  for (const p of peers) {
    const s = p.daemon.overlay.stats();
    received += s.received;
    duplicates += s.duplicates;
  }
  return { received, duplicates };
}

/** One query from `origin` in one mode. */
export async function measure(
  net: Network,
  origin: TestPeer,
  query: { text: string; kind: string },
  mode: 'flood' | 'bloom',
  ttl: number,
  timeoutMs: number,
): Promise<QueryFigures> {
  const { match } = compileQuery(query.text);
  const reach = horizon(net.peers, origin, ttl);
  const holders = net.peers.filter(
    (p) => reach.has(id(p)) && p.daemon.index.list({ query: query.text, limit: 1 }).total > 0,
  );
  const before = totals(net.peers);
  const result = await origin.daemon.overlay.collect(query.text, {
    ttl,
    timeoutMs,
    flood: mode === 'flood',
  });
  const after = totals(net.peers);
  const foundIds = new Set(
    result.hits.filter((h) => h.file.names.some(match)).map((h) => h.peer.id),
  );
  const found = holders.filter((p) => foundIds.has(id(p))).length;
  return {
    query: query.text,
    kind: query.kind,
    mode,
    holders: holders.length,
    found,
    recall: holders.length === 0 ? 1 : found / holders.length,
    messages: after.received - before.received,
    duplicates: after.duplicates - before.duplicates,
    lastHitMs: result.hits.reduce((m, h) => Math.max(m, h.latencyMs), 0),
    durationMs: result.durationMs,
  };
}

/** Every query from a random origin, flooded then routed (same overlay, same origin). */
export async function runQueries(
  net: Network,
  ttl: number,
  timeoutMs: number,
  rounds = 1,
): Promise<QueryFigures[]> {
  const out: QueryFigures[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of net.queries) {
      const origin = pick(net.peers);
      out.push(await measure(net, origin, q, 'flood', ttl, timeoutMs));
      out.push(await measure(net, origin, q, 'bloom', ttl, timeoutMs));
    }
  }
  return out;
}

/** Routing-state bytes received by all peers since they started. */
export function routingBytes(net: Network): number {
  return net.peers.reduce((sum, p) => sum + (p.daemon.overlay.stats().routing?.bytesIn ?? 0), 0);
}
