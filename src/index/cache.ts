// The persistent hash cache: a restart over an unchanged folder re-hashes
// nothing. One JSON file in the data folder, replaced atomically; saves run
// one at a time, as the scan, the watcher and the daemon's writes all save.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface CachedFile {
  size: number;
  mtimeMs: number;
  ino: number;
  chunkSize: number;
  sha256: string;
  chunkHashes: string[];
}

const VERSION = 1;

export class HashCache {
  private readonly file: string;
  private saving: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = join(dataDir, 'index-cache.json');
  }

  /** The cached records by relative path; empty when missing or unreadable. */
  async load(): Promise<Map<string, CachedFile>> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as {
        version?: number;
        files?: Record<string, CachedFile>;
      };
      if (parsed.version !== VERSION || typeof parsed.files !== 'object' || !parsed.files) {
        return new Map();
      }
      return new Map(Object.entries(parsed.files));
    } catch {
      return new Map();
    }
  }

  /** Writes the records (serialized into JSON at once, so the caller may change them after). */
  save(records: ReadonlyMap<string, CachedFile>): Promise<void> {
    const text = JSON.stringify({ version: VERSION, files: Object.fromEntries(records) });
    const next = this.saving.catch(() => undefined).then(() => this.write(text));
    this.saving = next;
    return next;
  }

  private async write(text: string): Promise<void> {
    const tmp = `${this.file}.tmp`;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(tmp, text);
    await rename(tmp, this.file);
  }
}
