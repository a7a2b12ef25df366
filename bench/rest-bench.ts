// REST throughput: requests/s and latency percentiles under concurrency for
// GET /api/v1/files?limit=50 and GET /api/v1/status of a real p2pd process,
// beside a bare Express hello-world process, in the same run. The load comes
// from this process over keep-alive connections (node's http.Agent), so the
// server under test has a core to itself on a 2-core machine.
import { spawn } from 'node:child_process';
import { Agent, get } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../test/fixtures/peers.js';
import { freePort, startDaemon, waitIndexed, type BenchDaemon } from './daemons.js';
import { envInt, type Bench, type BenchRow } from './table.js';

function request(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function load(url: string, concurrency: number, seconds: number): Promise<BenchRow> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  // Warm-up: connections and JIT.
  await Promise.all(Array.from({ length: concurrency }, () => request(agent, url)));
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const code = await request(agent, url).catch(() => 0);
        if (code !== 200) errors++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const p = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!;
  return {
    url: url.replace(/^http:\/\/[^/]+/, ''),
    concurrency,
    'req/s': latencies.length / elapsed,
    'p50 ms': p(0.5),
    'p99 ms': p(0.99),
    errors,
  };
}

const HELLO = `
const express = require('express');
const app = express();
app.get('/', (_req, res) => res.json({ hello: 'world' }));
const server = app.listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export const restBench: Bench = {
  name: 'rest',
  describe:
    'REST req/s and p99 under concurrency (BENCH_REST_CONCURRENCY 32, BENCH_REST_SECONDS 5, BENCH_REST_FILES 1000) vs bare Express',
  async run(): Promise<BenchRow[]> {
    const concurrency = envInt('BENCH_REST_CONCURRENCY', 32);
    const seconds = envInt('BENCH_REST_SECONDS', 5);
    const files = envInt('BENCH_REST_FILES', 1000);
    const dir = await mkdtemp(join(tmpdir(), 'p2pd-bench-rest-'));
    const shared = join(dir, 'restbench', 'shared');
    await mkdir(shared, { recursive: true });
    for (let i = 0; i < files; i++) await writeFile(join(shared, `track-${i}.txt`), `track ${i}`);
    const hello = await freePort();
    const bare = spawn(process.execPath, ['-e', HELLO, String(hello)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let daemon: BenchDaemon | undefined;
    try {
      daemon = await startDaemon(dir, 'restbench', {
        index: { watch: false, rescanIntervalMs: 0 },
      });
      await waitIndexed(daemon, files, 120_000);
      const rest = `http://${daemon.restAddress}`;
      await waitFor(
        () =>
          fetch(`http://127.0.0.1:${hello}/`).then(
            (r) => r.ok,
            () => false,
          ),
        {
          timeoutMs: 30_000,
          what: 'the hello-world server',
        },
      );
      return [
        {
          what: 'bare Express hello-world',
          ...(await load(`http://127.0.0.1:${hello}/`, concurrency, seconds)),
        },
        {
          what: 'p2pd status',
          ...(await load(`${rest}/api/v1/status`, concurrency, seconds)),
        },
        {
          what: `p2pd files (${files} shared)`,
          ...(await load(`${rest}/api/v1/files?limit=50`, concurrency, seconds)),
        },
      ];
    } finally {
      bare.kill('SIGTERM');
      await daemon?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
