// A log line identical to the one before it (time aside) is counted, not
// written: a flood of the same warning costs one line plus "last message
// repeated N times", written when a different line comes, after flushAfterMs,
// or on close (syslog's rule).

export interface RepeatCollapserInit {
  /** The peer id the summary line carries, like every other line. */
  peerId: string;
  /** Longest a count of repeats waits before it is written, ms. Default 5000. */
  flushAfterMs?: number;
  /** Told how many lines each summary stands for. */
  onCollapsed?: (lines: number) => void;
}

/** pino's JSON lines open with level and time: the rest is what must match. */
const HEAD = /^\{"level":(\d+),"time":(\d+),/;

export class RepeatCollapser {
  private lastKey: string | undefined;
  private repeats = 0;
  private repeatLevel = 30;
  private repeatTime = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: (line: string) => void,
    private readonly init: RepeatCollapserInit,
  ) {}

  write(line: string): void {
    const head = HEAD.exec(line);
    const key = head ? line.slice(head[0].length) : line;
    if (key === this.lastKey) {
      this.repeats++;
      this.repeatLevel = head ? Number(head[1]) : 30;
      this.repeatTime = head ? Number(head[2]) : Date.now();
      this.timer ??= setTimeout(() => this.flush(), this.init.flushAfterMs ?? 5000).unref();
      return;
    }
    this.flush();
    this.lastKey = key;
    this.out(line);
  }

  /** Writes the pending count, if any. Later repeats of the same line still collapse. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.repeats === 0) return;
    const n = this.repeats;
    this.repeats = 0;
    this.init.onCollapsed?.(n);
    this.out(
      `${JSON.stringify({
        level: this.repeatLevel,
        time: this.repeatTime,
        peer: this.init.peerId,
        msg: `last message repeated ${n} time${n === 1 ? '' : 's'}`,
        repeated: n,
      })}\n`,
    );
  }
}
