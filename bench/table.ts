// Shared shapes and printing for the benchmarks.

export type BenchRow = Record<string, string | number>;

export interface Bench {
  name: string;
  describe: string;
  /** Runs only when named (`npm run bench -- swarm`): long, or needs root. */
  onlyByName?: boolean;
  run(): Promise<BenchRow[]>;
}

export function printTable(rows: BenchRow[]): void {
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined): string =>
    v === undefined
      ? ''
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? String(v)
          : v.toFixed(2)
        : v;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => cell(row[c]))));
}

/** An integer from the environment, e.g. BENCH_INDEX_MIB=256. */
export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export const MiB = 1024 * 1024;
