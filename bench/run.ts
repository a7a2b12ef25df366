// `npm run bench [-- name...]`: runs the benchmarks, prints a table per
// benchmark and writes every figure to bench-results/latest.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { indexBench } from './index-bench.js';
import { memoryBench } from './memory-bench.js';
import { natsBench } from './nats-bench.js';
import { restBench } from './rest-bench.js';
import { searchBench } from './search-bench.js';
import { smallFetchBench } from './small-fetch-bench.js';
import { sourcesBench } from './sources-bench.js';
import { swarmBench } from './swarm-bench.js';
import type { Bench, BenchRow } from './table.js';
import { printTable } from './table.js';
import { transferBench } from './transfer.js';

const BENCHES: Bench[] = [
  indexBench,
  transferBench,
  smallFetchBench,
  searchBench,
  restBench,
  memoryBench,
  natsBench,
  swarmBench,
  sourcesBench,
];

const wanted = process.argv.slice(2);
const results: Record<string, BenchRow[]> = {};
for (const bench of BENCHES) {
  if (wanted.length > 0 ? !wanted.includes(bench.name) : bench.onlyByName) continue;
  console.log(`\n== ${bench.name}: ${bench.describe}`);
  const rows = await bench.run();
  printTable(rows);
  results[bench.name] = rows;
}
await mkdir('bench-results', { recursive: true });
await writeFile(
  'bench-results/latest.json',
  JSON.stringify({ at: new Date().toISOString(), results }, null, 2),
);
console.log('\nwrote bench-results/latest.json');
