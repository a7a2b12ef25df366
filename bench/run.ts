// `npm run bench [-- <bench...>] [--size <n>[KiB|MiB|GiB]] [--sources 1,3]`:
// runs the named benchmarks (all by default). Each bench is one entry below.
import { runTransferBench } from './transfer.js';

interface BenchArgs {
  /** File size, bytes; also from P2PD_BENCH_SIZE. */
  size: number;
  sources: number[];
}

const BENCHES: Record<string, (args: BenchArgs) => Promise<unknown>> = {
  transfer: (args) => runTransferBench({ sizeBytes: args.size, sourceCounts: args.sources }),
};

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kib|m|mib|g|gib)?$/i.exec(text.trim());
  if (!m) throw new Error(`cannot read the size "${text}" (e.g. 256MiB, 1GiB)`);
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  const factor = unit === 'g' ? 1024 ** 3 : unit === 'm' ? 1024 ** 2 : unit === 'k' ? 1024 : 1;
  return Math.round(Number(m[1]) * factor);
}

function parseArgs(argv: string[]): { names: string[]; args: BenchArgs } {
  const names: string[] = [];
  let size = parseSize(process.env.P2PD_BENCH_SIZE ?? '1GiB');
  let sources = [1, 3];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--size') size = parseSize(argv[++i] ?? '');
    else if (a.startsWith('--size=')) size = parseSize(a.slice(7));
    else if (a === '--sources') sources = (argv[++i] ?? '').split(',').map(Number);
    else if (a.startsWith('--sources=')) sources = a.slice(10).split(',').map(Number);
    else names.push(a);
  }
  if (sources.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error('--sources takes counts like 1,3');
  return { names, args: { size, sources } };
}

const { names, args } = parseArgs(process.argv.slice(2));
for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown bench "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  console.log(`== ${name} (${(args.size / 1024 ** 2).toFixed(0)} MiB)`);
  await bench(args);
}
