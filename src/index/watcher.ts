// Folder watcher: reports relative paths that may have changed. The index
// decides what changed by stat and hash, so a lost or doubled event is harmless.
import type { FSWatcher } from 'chokidar';
import { isIgnored, toRelPosix } from './paths.js';

export class ShareWatcher {
  private watcher: FSWatcher | undefined;
  /** Ends start()'s wait for chokidar's first crawl, when stop() comes first. */
  private unblock: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly root: string,
    private readonly onPath: (rel: string) => void,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    // Loaded here so a peer configured not to watch never loads it.
    const { watch } = await import('chokidar');
    if (this.stopped) return;
    const watcher = watch(this.root, {
      ignoreInitial: true,
      followSymlinks: false,
      ignored: (path: string) => {
        const rel = toRelPosix(this.root, path);
        return rel !== '' && isIgnored(rel);
      },
    });
    this.watcher = watcher;
    const report = (path: string): void => this.onPath(toRelPosix(this.root, path));
    watcher.on('add', report).on('change', report).on('unlink', report);
    // A removed folder takes its files with it; the index rechecks everything under it.
    watcher.on('unlinkDir', report);
    watcher.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      this.unblock = resolve;
      watcher.once('ready', () => resolve());
    });
    this.unblock = undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unblock?.();
    await this.watcher?.close();
    this.watcher = undefined;
  }
}
