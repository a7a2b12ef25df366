// Flooding vs routed search on the same overlays and queries (bench/search-sim.ts).
import { runQueries, routingBytes, startNetwork, type QueryFigures } from './search-sim.js';
import { envInt, type Bench, type BenchRow } from './table.js';

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function rows(size: number, figures: QueryFigures[]): BenchRow[] {
  const out: BenchRow[] = [];
  for (const kind of ['rare', 'popular', 'miss']) {
    const flood = figures.filter((f) => f.kind === kind && f.mode === 'flood');
    for (const mode of ['flood', 'bloom'] as const) {
      const fs = figures.filter((f) => f.kind === kind && f.mode === mode);
      if (fs.length === 0) continue;
      out.push({
        peers: size,
        queries: `${kind} x${fs.length}`,
        mode,
        'holders avg': mean(fs.map((f) => f.holders)),
        'recall min': Math.min(...fs.map((f) => f.recall)),
        'msgs/query': mean(fs.map((f) => f.messages)),
        'vs flood':
          mean(fs.map((f) => f.messages)) / Math.max(1, mean(flood.map((f) => f.messages))),
        'dup/query': mean(fs.map((f) => f.duplicates)),
        'last hit p50 ms': pct(
          fs.map((f) => f.lastHitMs),
          50,
        ),
        'last hit p95 ms': pct(
          fs.map((f) => f.lastHitMs),
          95,
        ),
        'end p50 ms': pct(
          fs.map((f) => f.durationMs),
          50,
        ),
        'end p95 ms': pct(
          fs.map((f) => f.durationMs),
          95,
        ),
      });
    }
  }
  return out;
}

export const searchBench: Bench = {
  name: 'search',
  describe:
    'flooding vs routed (attenuated Bloom filters + holder lists) on the same overlay and queries ' +
    '(BENCH_SEARCH_PEERS, default "64"; comma-separated sizes; BENCH_SEARCH_DEGREE, BENCH_SEARCH_ROUNDS)',
  async run(): Promise<BenchRow[]> {
    const sizes = (process.env.BENCH_SEARCH_PEERS ?? '64')
      .split(',')
      .map(Number)
      .filter((n) => n > 1);
    const degree = envInt('BENCH_SEARCH_DEGREE', 3);
    const rounds = envInt('BENCH_SEARCH_ROUNDS', 1);
    const ttl = envInt('BENCH_SEARCH_TTL', 7);
    const out: BenchRow[] = [];
    for (const size of sizes) {
      const net = await startNetwork({
        peers: size,
        degree,
        popular: 3,
        popularShare: 0.2,
        rare: 8,
        maxRareHolders: 5,
        misses: 4,
        ttl,
        routesIntervalMs: envInt('BENCH_SEARCH_ROUTES_MS', 1000),
        formTimeoutMs: 300_000,
      });
      try {
        const edges = net.peers.reduce((s, p) => s + p.daemon.overlay.neighborCount, 0) / 2;
        console.log(
          `  ${size} peers up in ${net.startSeconds.toFixed(1)} s, ${edges} links, ` +
            `+${net.rssMiB.toFixed(0)} MiB RSS (${(net.rssMiB / size).toFixed(1)} MiB/peer), ` +
            `routing state received ${(routingBytes(net) / 1024).toFixed(0)} KiB ` +
            `(${(routingBytes(net) / size / 1024).toFixed(1)} KiB/peer)`,
        );
        out.push(...rows(size, await runQueries(net, ttl, 20_000, rounds)));
      } finally {
        await net.stop();
      }
    }
    return out;
  },
};
