// Shows a transfer's progress stream (ControlService Fetch / Push): a bar
// redrawn in place on a terminal, plain lines (at most one a second)
// otherwise, and the final state. Resolves with the last progress message.
import type { ClientReadableStream } from '@grpc/grpc-js';
import type { TransferProgress__Output } from '../generated/p2p/v1/TransferProgress.js';
import { humanDuration, humanSize } from './format.js';

export interface ProgressOutput {
  /** A terminal: redraw one line. */
  tty: boolean;
  /** Where progress goes (stderr, so stdout keeps only the result). */
  write(text: string): void;
}

const BAR_WIDTH = 24;
const PLAIN_EVERY_MS = 1000;

/** One line describing where a transfer stands. */
export function progressLine(p: TransferProgress__Output, bar: boolean): string {
  const parts: string[] = [];
  const fraction = p.size > 0 ? p.bytesDone / p.size : p.state === 'completed' ? 1 : 0;
  if (bar) {
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
  }
  parts.push(`${(fraction * 100).toFixed(0).padStart(3)}%`);
  parts.push(`${humanSize(p.bytesDone)} / ${humanSize(p.size)}`);
  if (p.state === 'running' && p.rateBps > 0) parts.push(`${humanSize(p.rateBps)}/s`);
  if (p.state === 'running' && p.etaMs > 0) parts.push(`ETA ${humanDuration(p.etaMs)}`);
  const sources = p.sources.filter((s) => !s.failed).length;
  if (p.kind === 'fetch' && p.sources.length > 0) {
    parts.push(`${sources} source${sources === 1 ? '' : 's'}`);
  }
  if (p.state !== 'running') parts.push(p.state);
  return parts.join('  ');
}

export function followTransfer(
  call: ClientReadableStream<TransferProgress__Output>,
  out: ProgressOutput,
): Promise<TransferProgress__Output | undefined> {
  return new Promise((resolve, reject) => {
    let last: TransferProgress__Output | undefined;
    let lastPlain = 0;
    let drawn = false;
    const clear = (): void => {
      if (drawn) out.write('\r\x1b[2K');
      drawn = false;
    };
    call.on('data', (p: TransferProgress__Output) => {
      last = p;
      if (out.tty) {
        clear();
        out.write(progressLine(p, true));
        drawn = true;
      } else if (
        Date.now() - lastPlain >= PLAIN_EVERY_MS &&
        p.state === 'running' &&
        // Until the size is known a plain line would only say "0% 0 B / 0 B".
        p.size > 0
      ) {
        lastPlain = Date.now();
        out.write(`${progressLine(p, false)}\n`);
      }
    });
    call.on('error', (err) => {
      clear();
      reject(Object.assign(err, { progress: last }));
    });
    call.on('end', () => {
      clear();
      resolve(last);
    });
  });
}

/** Per-source counts of a finished fetch, one line each: bytes down from it, and up to it (swarming). */
export function sourceLines(p: TransferProgress__Output): string[] {
  return p.sources.map(
    (s) =>
      `  ${s.peerId || s.address}: ${s.chunks} chunk${s.chunks === 1 ? '' : 's'}, ${humanSize(s.bytes)} down, ${humanSize(s.uploadedBytes)} up${s.partial ? ' (was fetching too)' : ''}${s.failed ? ' (dropped)' : ''}`,
  );
}
