// Unfinished fetches on disk, in `<dataDir>/partial/` (hidden from the
// index): `<sha256>.part` holds the bytes at their offsets, `<sha256>.json`
// what was asked for, the metadata and which chunks are written (a resumed
// fetch checks each against its hash again before it trusts it). The JSON is
// replaced atomically and fsynced, and only after the data it vouches for.
import { open, readdir, readFile, rename, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { checkRemoteInfo, type FileMeta } from './metadata.js';

const VERSION = 1;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface PartialState {
  version: typeof VERSION;
  id: string;
  sha256: string;
  /** Name the file will get (checked); '' until known. */
  name: string;
  /** What the user asked for by name, when a fetch by name picked this hash. */
  note: string;
  /** Source addresses given explicitly (resume asks them again). */
  sources: string[];
  /** The metadata chunks are verified against; absent until chosen. */
  meta?: FileMeta;
  /** Chunks written, a base64 bitmap (see ChunkMap); checked again on resume. */
  verified: string;
  createdAt: number;
}

export class PartialStore {
  readonly dir: string;
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    dataDir: string,
    private readonly logger: Logger,
  ) {
    this.dir = join(dataDir, 'partial');
  }

  dataPath(sha256: string): string {
    return join(this.dir, `${sha256}.part`);
  }

  private statePath(sha256: string): string {
    return join(this.dir, `${sha256}.json`);
  }

  /** Every readable state; broken ones are logged and removed with their data. */
  async list(): Promise<PartialState[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const states: PartialState[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const sha256 = name.slice(0, -'.json'.length);
      try {
        states.push(parseState(await readFile(join(this.dir, name), 'utf8'), sha256));
      } catch (err) {
        this.logger.warn({ err, file: name }, 'dropping an unreadable partial fetch');
        await this.remove(sha256);
      }
    }
    // Leftover temp files and data without state can never be resumed.
    const known = new Set(states.map((s) => s.sha256));
    for (const name of names) {
      const stem = name.split('.')[0]!;
      if (name.endsWith('.tmp') || (name.endsWith('.part') && !known.has(stem))) {
        await rm(join(this.dir, name), { force: true });
      }
    }
    return states;
  }

  /** Writes the state durably: temp file, fsync, rename, fsync the folder. */
  save(state: PartialState): Promise<void> {
    return this.inTurn(state.sha256, () => this.write(state));
  }

  /**
   * Runs one save or removal of a hash's state at a time, in call order: a
   * removal must neither delete a later fetch's temp file mid-write nor be
   * overtaken by an earlier save.
   */
  private inTurn(sha256: string, task: () => Promise<void>): Promise<void> {
    const previous = this.pending.get(sha256) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    this.pending.set(sha256, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.pending.get(sha256) === next) this.pending.delete(sha256);
      });
    return next;
  }

  private async write(state: PartialState): Promise<void> {
    const file = this.statePath(state.sha256);
    const tmp = `${file}.tmp`;
    // The folder is made on the first save only: every fetch saves on its critical path.
    const handle = await open(tmp, 'w').catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await mkdir(this.dir, { recursive: true });
      return open(tmp, 'w');
    });
    try {
      await handle.writeFile(JSON.stringify(state));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
    await syncDir(this.dir);
  }

  remove(sha256: string): Promise<void> {
    // At once: data left without its state, or a state whose data is gone, is safe either way
    // (the first is swept at start, the second's chunks fail their recheck on resume).
    return this.inTurn(sha256, async () => {
      await Promise.all(
        [this.statePath(sha256), `${this.statePath(sha256)}.tmp`, this.dataPath(sha256)].map(
          (path) => rm(path, { force: true }),
        ),
      );
    });
  }
}

function parseState(text: string, sha256: string): PartialState {
  const raw = JSON.parse(text) as Partial<PartialState>;
  if (raw.version !== VERSION) throw new Error(`unknown version ${String(raw.version)}`);
  if (raw.sha256 !== sha256 || !SHA256_HEX.test(sha256)) throw new Error('hash does not match');
  if (typeof raw.id !== 'string' || !Array.isArray(raw.sources)) throw new Error('missing fields');
  const state: PartialState = {
    version: VERSION,
    id: raw.id,
    sha256,
    name: typeof raw.name === 'string' ? raw.name : '',
    note: typeof raw.note === 'string' ? raw.note : '',
    sources: raw.sources.filter((s): s is string => typeof s === 'string'),
    verified: typeof raw.verified === 'string' ? raw.verified : '',
    createdAt: typeof raw.createdAt === 'number' ? raw.createdAt : Date.now(),
  };
  if (raw.meta) state.meta = checkRemoteInfo({ ...raw.meta, names: [] }, sha256);
  return state;
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every platform can fsync a folder; the rename is still atomic.
  }
}
