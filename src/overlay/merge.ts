// Interleaves several async streams as items arrive, and stops at a fixed
// time whatever the sources do: a hanging source cannot hold the result back.
import { Waker } from '../waker.js';

export type Source<T> = (signal: AbortSignal) => AsyncIterable<T>;

/**
 * Items of every source in arrival order, until all sources end, `until`
 * (epoch ms) passes, or `signal` aborts. Sources are aborted when the merge
 * ends, including when the consumer stops early. A failing source only ends
 * itself; `onError` hears about it.
 */
export async function* mergeUntil<T>(
  sources: readonly Source<T>[],
  until: number,
  signal: AbortSignal,
  onError: (err: unknown, index: number) => void,
): AsyncGenerator<T> {
  const stop = new AbortController();
  const items: T[] = [];
  let open = sources.length;
  let expired = false;
  const waker = new Waker();
  const notify = (): void => waker.wake();
  const onAbort = (): void => {
    stop.abort();
    notify();
  };
  signal.addEventListener('abort', onAbort);
  const timer = setTimeout(
    () => {
      expired = true;
      stop.abort(); // what already arrived is still delivered; nothing more is taken
      notify();
    },
    Math.max(0, until - Date.now()),
  );
  sources.forEach((source, index) => {
    void (async () => {
      try {
        for await (const item of source(stop.signal)) {
          if (stop.signal.aborted) break;
          items.push(item);
          notify();
        }
      } catch (err) {
        if (!stop.signal.aborted) onError(err, index);
      } finally {
        open--;
        notify();
      }
    })();
  });
  try {
    for (;;) {
      while (items.length > 0) yield items.shift()!;
      if (open === 0 || expired || signal.aborted) return;
      await waker.wait();
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    stop.abort();
  }
}
