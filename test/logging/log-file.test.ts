// The log file writer on its own: size rotation, repeat collapse, and a disk
// that refuses every write (/dev/full) costing lines, never a hang.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/logger.js';
import { LogFile } from '../../src/logging/log-file.js';
import { RepeatCollapser } from '../../src/logging/repeat-collapser.js';
import { Metrics } from '../../src/metrics.js';
import { waitFor } from '../fixtures/peers.js';

/** A metric's value without labels. */
const value = (series: { values: Map<string, { value: number }> }): number =>
  series.values.get('')?.value ?? 0;

const parse = (text: string): { msg: string; n?: number; repeated?: number }[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; n?: number });

describe('log file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-logfile-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('rotates by size: p.log, p.log.1, p.log.2, none older, every line whole', async () => {
    const metrics = new Metrics();
    const file = join(dir, 'p.log');
    const log = new LogFile({ metrics }, { file, maxBytes: 4096, maxFiles: 3, peerId: 'p' });
    const lines = 1000;
    for (let n = 0; n < lines; n++) log.write(`${JSON.stringify({ msg: 'line', n })}\n`);
    await log.close();
    expect(existsSync(`${file}.3`)).to.equal(false);
    const texts = await Promise.all(
      [`${file}.2`, `${file}.1`, file].map((f) => readFile(f, 'utf8')),
    );
    for (const f of [`${file}.2`, `${file}.1`, file]) {
      expect((await stat(f)).size, f).to.be.at.most(4096);
    }
    // Oldest to newest, consecutive, ending with the last line written.
    const ns = texts.flatMap((t) => parse(t).map((r) => r.n!));
    expect(ns.at(-1)).to.equal(lines - 1);
    expect(ns).to.deep.equal(ns.map((_, i) => ns[0]! + i));
    expect(value(metrics.logRotations)).to.be.greaterThan(3);
  });

  it('with maxFiles 1 truncates instead of keeping old files', async () => {
    const file = join(dir, 'p.log');
    const log = new LogFile(
      { metrics: new Metrics() },
      { file, maxBytes: 1024, maxFiles: 1, peerId: 'p' },
    );
    for (let n = 0; n < 100; n++) log.write(`${JSON.stringify({ msg: 'line', n })}\n`);
    await log.close();
    expect(existsSync(`${file}.1`)).to.equal(false);
    expect((await stat(file)).size).to.be.at.most(1024);
    expect(parse(await readFile(file, 'utf8')).at(-1)?.n).to.equal(99);
  });

  it('collapses identical consecutive lines into "last message repeated N times"', async () => {
    const metrics = new Metrics();
    const file = join(dir, 'p.log');
    const root = createLogger(
      { metrics },
      { file, level: 'info', maxBytes: 1 << 20, maxFiles: 2, console: false, peerId: 'p' },
    );
    for (let i = 0; i < 500; i++) root.logger.warn({ from: 'x' }, 'refused join');
    root.logger.info('something else');
    for (let i = 0; i < 3; i++) root.logger.warn('once more');
    await root.close();
    const records = parse(await readFile(file, 'utf8'));
    expect(records.map((r) => r.msg)).to.deep.equal([
      'refused join',
      'last message repeated 499 times',
      'something else',
      'once more',
      'last message repeated 2 times',
    ]);
    expect(records[1]).to.include({ peer: 'p', level: 40, repeated: 499 });
    expect(value(metrics.logLinesCollapsed)).to.equal(501);
  });

  it('writes a pending count after flushAfterMs when nothing else comes', async () => {
    const out: string[] = [];
    const c = new RepeatCollapser((l) => out.push(l), { peerId: 'p', flushAfterMs: 50 });
    const line = (t: number): string => `{"level":30,"time":${t},"peer":"p","msg":"same"}\n`;
    for (let t = 1; t <= 4; t++) c.write(line(t));
    expect(out).to.have.length(1);
    await waitFor(() => out.length === 2, { timeoutMs: 2000, what: 'the repeat summary' });
    expect(JSON.parse(out[1]!)).to.deep.include({ time: 4, msg: 'last message repeated 3 times' });
  });

  it('on a disk that refuses every write (/dev/full) drops and counts lines and closes at once', async () => {
    const metrics = new Metrics();
    const log = new LogFile(
      { metrics },
      { file: '/dev/full', maxBytes: 1 << 30, maxFiles: 1, peerId: 'p', retryMs: 20 },
    );
    expect(log.status()).to.deep.equal({ file: '/dev/full', writable: true, droppedLines: 0 });
    for (let i = 0; i < 50; i++) log.write(`{"msg":"x${i}"}\n`);
    const s = await waitFor(() => (log.status().writable ? undefined : log.status()), {
      what: 'the log to turn unwritable',
    });
    expect(s.error).to.equal('ENOSPC');
    for (let i = 0; i < 50; i++) log.write(`{"msg":"y${i}"}\n`);
    // Every line is accounted for: none written, all dropped (retries keep failing).
    await waitFor(() => log.status().droppedLines === 100, { what: '100 dropped lines' });
    expect(value(metrics.logLinesDropped)).to.equal(100);
    expect(value(metrics.logWritable)).to.equal(0);
    const started = Date.now();
    await log.close();
    expect(Date.now() - started, 'close, ms').to.be.below(100);
  });
});
