// The persistent hash cache: a restart over an unchanged folder re-hashes
// nothing. A snapshot of every record (index-cache.json, replaced atomically)
// and a journal of the changes since (index-cache.journal, one JSON line per
// change), so that a file the daemon adds costs a line, not a rewrite of the
// whole share's records. The journal names the snapshot it follows; once it
// outgrows the snapshot, the next change writes a new snapshot instead.
// Writes run one at a time, as the scan, the watcher and the daemon's own
// writes all save. Nothing here is synced: a record lost in a crash is only a
// file hashed again at the next start.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CachedFile {
  size: number;
  mtimeMs: number;
  ino: number;
  chunkSize: number;
  sha256: string;
  chunkHashes: string[];
}

/** A path's record as it is now; undefined: the path is no longer indexed. */
export type CacheChanges = ReadonlyMap<string, CachedFile | undefined>;

const VERSION = 1;
/** The journal is folded into a new snapshot once it is larger than this and the snapshot. */
const MIN_JOURNAL_BYTES = 1024 * 1024;

export class HashCache {
  private readonly file: string;
  private readonly journal: string;
  private saving: Promise<void> = Promise.resolve();
  /** The snapshot on disk's id, which its journal's first line repeats; '' before one is known. */
  private generation = '';
  private snapshotBytes = 0;
  private journalBytes = 0;

  constructor(private readonly dataDir: string) {
    this.file = join(dataDir, 'index-cache.json');
    this.journal = join(dataDir, 'index-cache.journal');
  }

  /** The cached records by relative path; empty when missing or unreadable. */
  async load(): Promise<Map<string, CachedFile>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return new Map();
    }
    let parsed: { version?: number; generation?: unknown; files?: Record<string, CachedFile> };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      return new Map();
    }
    if (parsed.version !== VERSION || typeof parsed.files !== 'object' || !parsed.files) {
      return new Map();
    }
    const records = new Map(Object.entries(parsed.files));
    if (typeof parsed.generation !== 'string' || !parsed.generation) return records;
    this.snapshotBytes = text.length;
    const lines = await readFile(this.journal, 'utf8').then(
      (t) => t.split('\n'),
      () => [],
    );
    if (lines.length === 0 || !isHeader(parse(lines[0]!), parsed.generation)) return records;
    // Known only now: a journal of another snapshot (left by a crash) is not appended to.
    this.generation = parsed.generation;
    this.journalBytes = lines[0]!.length + 1;
    for (const line of lines.slice(1)) {
      const change = parse(line);
      // A crash may have cut the last line short: nothing after it counts.
      if (!isChange(change)) break;
      if (change.r) records.set(change.p, change.r);
      else records.delete(change.p);
      this.journalBytes += line.length + 1;
    }
    return records;
  }

  /**
   * Writes every record as a new snapshot with an empty journal (serialized
   * into JSON at once, so the caller may change them after).
   */
  save(records: ReadonlyMap<string, CachedFile>): Promise<void> {
    const generation = randomBytes(8).toString('hex');
    const text = JSON.stringify({
      version: VERSION,
      generation,
      files: Object.fromEntries(records),
    });
    const header = `${JSON.stringify({ generation })}\n`;
    // What the disk holds once the writes queued so far are done: lines queued after follow this.
    this.generation = generation;
    this.snapshotBytes = text.length;
    this.journalBytes = header.length;
    return this.queue(async () => {
      try {
        await mkdir(this.dataDir, { recursive: true });
        await replace(this.file, text);
        await replace(this.journal, header);
      } catch (err) {
        // Lines appended meanwhile land in a journal that names another snapshot (ignored
        // then) or in the old one, which they follow: either way the next update saves all.
        if (this.generation === generation) this.generation = '';
        throw err;
      }
    });
  }

  /**
   * Records the changes in the journal; when the journal has grown past the
   * snapshot (or there is none to follow), writes every record from `all`
   * as a new snapshot instead.
   */
  update(changes: CacheChanges, all: () => ReadonlyMap<string, CachedFile>): Promise<void> {
    if (changes.size === 0 && this.generation) return this.settled();
    let lines = '';
    for (const [p, r] of changes) lines += `${JSON.stringify(r ? { p, r } : { p })}\n`;
    const tooLong =
      this.journalBytes + lines.length > Math.max(MIN_JOURNAL_BYTES, this.snapshotBytes);
    if (!this.generation || tooLong) return this.save(all());
    this.journalBytes += lines.length;
    return this.queue(() =>
      appendFile(this.journal, lines).catch((err: unknown) => {
        // Those changes are lost to the journal: the next update saves every record.
        this.generation = '';
        throw err;
      }),
    );
  }

  /** Settles once the saves asked for so far are written (or failed). */
  settled(): Promise<void> {
    return this.saving.catch(() => undefined);
  }

  private queue(write: () => Promise<void>): Promise<void> {
    const next = this.saving.catch(() => undefined).then(write);
    this.saving = next;
    return next;
  }
}

/** Replaces `file` with `text` at once: readers see the old or the new, never a part. */
async function replace(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function isHeader(value: unknown, generation: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { generation?: unknown }).generation === generation
  );
}

function isChange(value: unknown): value is { p: string; r?: CachedFile } {
  if (typeof value !== 'object' || value === null) return false;
  const { p, r } = value as { p?: unknown; r?: unknown };
  return typeof p === 'string' && (r === undefined || (typeof r === 'object' && r !== null));
}
