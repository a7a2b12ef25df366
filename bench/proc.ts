// A child process's memory and CPU as Linux /proc reports them, so that every
// bench case (p2pd daemons, Syncthing instances) fills its columns the same way.
import { readFile, writeFile } from 'node:fs/promises';

export interface ProcStats {
  /** Resident set size now, bytes (Linux /proc; 0 elsewhere). */
  rss(): Promise<number>;
  /** Peak resident set size so far (since the last reset), bytes (Linux /proc; 0 elsewhere). */
  peakRss(): Promise<number>;
  /** Starts the peak over from the current RSS (Linux's clear_refs; nothing elsewhere). */
  resetPeakRss(): Promise<void>;
  /** CPU seconds (user + system, all threads) used so far (Linux /proc; 0 elsewhere). */
  cpuSeconds(): Promise<number>;
  /** The same for the main thread alone: a Node daemon's event loop. */
  mainThreadCpuSeconds(): Promise<number>;
  /**
   * Seconds the main thread was ready to run but waited for a core (Linux
   * schedstat; 0 elsewhere): how much the other threads and processes on the
   * machine held it back.
   */
  mainThreadWaitSeconds(): Promise<number>;
}

export function procStats(pid: number | undefined): ProcStats {
  const statusBytes = async (field: string): Promise<number> => {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1];
      return kb ? Number(kb) * 1024 : 0;
    } catch {
      return 0;
    }
  };
  return {
    rss: () => statusBytes('VmRSS'),
    peakRss: () => statusBytes('VmHWM'),
    resetPeakRss: async () => {
      try {
        await writeFile(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // Not Linux, or no right to: the peak then covers the process's whole life.
      }
    },
    cpuSeconds: () => cpuOf(`/proc/${pid}/stat`),
    mainThreadCpuSeconds: () => cpuOf(`/proc/${pid}/task/${pid}/stat`),
    mainThreadWaitSeconds: () => runQueueWaitOf(`/proc/${pid}/task/${pid}/schedstat`),
  };
}

/** CPU seconds a fetcher and its sources used while some work ran. */
export interface FetchCpu {
  /** The fetcher, all threads. */
  fetcherCpu: number;
  /** The fetcher's main thread alone, and the time it waited for a core. */
  fetcherLoopCpu: number;
  fetcherLoopWait: number;
  /** The sources together, all threads. */
  sourcesCpu: number;
}

/** Runs `work` and tells what the fetcher and the sources used meanwhile. */
export async function cpuDuring<T>(
  fetcher: ProcStats,
  sources: readonly ProcStats[],
  work: () => Promise<T>,
): Promise<[T, FetchCpu]> {
  const sample = (): Promise<number[]> =>
    Promise.all([
      fetcher.cpuSeconds(),
      fetcher.mainThreadCpuSeconds(),
      fetcher.mainThreadWaitSeconds(),
      ...sources.map((s) => s.cpuSeconds()),
    ]);
  const before = await sample();
  const result = await work();
  const [fetcherCpu, fetcherLoopCpu, fetcherLoopWait, ...sourcesCpu] = (await sample()).map(
    (v, i) => v - before[i]!,
  );
  return [
    result,
    {
      fetcherCpu: fetcherCpu!,
      fetcherLoopCpu: fetcherLoopCpu!,
      fetcherLoopWait: fetcherLoopWait!,
      sourcesCpu: sourcesCpu.reduce((a, b) => a + b, 0),
    },
  ];
}

/** User + system CPU seconds in a /proc stat file; 0 where there is none. */
async function cpuOf(file: string): Promise<number> {
  try {
    const stat = await readFile(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100/s on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** A schedstat file's time waiting on a run queue (its second field, ns), in s; 0 where none. */
async function runQueueWaitOf(file: string): Promise<number> {
  try {
    const [, waitNs] = (await readFile(file, 'utf8')).trim().split(' ');
    return Number(waitNs) / 1e9 || 0;
  } catch {
    return 0;
  }
}
