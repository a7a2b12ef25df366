// Rates as people write them ("5MiB/s", "500 KiB/s", "10Mbit/s", "unlimited")
// and as the daemon keeps them (bytes per second, 0 = unlimited): one parser
// for the config file, REST, ControlService and the CLI, so all four accept
// and refuse the same things with the same words.

/** Bytes per second, or 0 for no limit. */
export type BytesPerSecond = number;

/** The slowest limit accepted: below it every transfer would outlast its deadlines. */
export const MIN_RATE = 1024;
/** The fastest limit accepted (100 GiB/s): beyond any link, so surely a typo. */
export const MAX_RATE = 100 * 1024 ** 3;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  bit: 1 / 8,
  kbit: 1000 / 8,
  mbit: 1000 ** 2 / 8,
  gbit: 1000 ** 3 / 8,
  bps: 1 / 8,
  kbps: 1000 / 8,
  mbps: 1000 ** 2 / 8,
  gbps: 1000 ** 3 / 8,
};

const RATE = /^(\d+(?:\.\d+)?)\s*([a-z]*?)(?:\/s)?$/i;

export type RateParse = { ok: true; rate: BytesPerSecond } | { ok: false; problem: string };

const EXAMPLES = 'like "5MiB/s", "500KiB/s", "10Mbit/s", a number of bytes per second, or 0';

/**
 * A rate from a number of bytes per second or a string with a unit. "B" is a
 * byte, "bit"/"bps" a bit; K/M/G are powers of 1000, Ki/Mi/Gi of 1024. 0,
 * "0" and "unlimited" mean no limit.
 */
export function parseRate(value: unknown): RateParse {
  let rate: number;
  if (typeof value === 'number') {
    rate = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (/^(unlimited|none|off)$/i.test(text)) return { ok: true, rate: 0 };
    const m = RATE.exec(text);
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    // "5Mb" is ambiguous (bits to some, bytes to others): a byte is a capital B.
    if (!m || unit === undefined || m[2]!.endsWith('b')) {
      return { ok: false, problem: `expected a rate ${EXAMPLES}, got ${JSON.stringify(value)}` };
    }
    rate = Number(m[1]) * unit;
  } else {
    return { ok: false, problem: `expected a rate ${EXAMPLES}` };
  }
  if (!Number.isFinite(rate) || rate < 0) {
    return { ok: false, problem: `must be 0 (unlimited) or a positive rate, got ${String(value)}` };
  }
  if (rate === 0) return { ok: true, rate: 0 };
  if (rate < MIN_RATE) {
    return {
      ok: false,
      problem: `must be 0 (unlimited) or at least 1 KiB/s, got ${String(value)}`,
    };
  }
  if (rate > MAX_RATE) {
    return { ok: false, problem: `must be at most 100 GiB/s, got ${String(value)}` };
  }
  return { ok: true, rate: Math.round(rate) };
}

/** "5 MiB/s", "512 KiB/s", "unlimited". */
export function formatRate(rate: BytesPerSecond): string {
  if (rate <= 0) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = rate;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  return `${text} ${units[unit]}/s`;
}
