// Server-Sent Events for the routes that stream (search hits, traffic samples).
import type { Response } from 'express';

/** Writes one SSE event, waiting for the socket to drain so a slow reader bounds memory. */
export async function sendEvent(res: Response, event: string, data: unknown): Promise<void> {
  if (res.destroyed || res.writableEnded) return; // the client went away
  if (res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function openEventStream(res: Response): void {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
}
