// Walks the shared folder: regular files, and symlinks that stay inside it.
import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isIgnored, resolveInside, toRelPosix } from './paths.js';

export interface FoundFile {
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** Stats one path; null when it is gone, not a file, ignored, or a link leaving root. */
export async function statShared(root: string, rel: string): Promise<FoundFile | null> {
  if (isIgnored(rel)) return null;
  const abs = resolveInside(root, rel);
  if (!abs) return null;
  try {
    const l = await lstat(abs);
    if (l.isSymbolicLink()) {
      const realRoot = await realpath(root);
      const target = toRelPosix(realRoot, await realpath(abs));
      // A link is shared only if its target would be: inside, and not ours (.p2pd).
      if (!resolveInside(realRoot, target) || isIgnored(target)) return null;
    } else if (!l.isFile()) {
      return null;
    }
    const s = l.isSymbolicLink() ? await stat(abs) : l;
    if (!s.isFile()) return null;
    return { rel, abs, size: s.size, mtimeMs: Math.floor(s.mtimeMs), ino: s.ino };
  } catch {
    return null;
  }
}

export interface WalkOptions {
  /** Called for each ignored file whose name matches; the walk does not wait for it. */
  onIgnored?: { name: RegExp; found(abs: string): void };
}

/** Every shareable file below root, depth first. Unreadable folders are skipped. */
export async function* walkShare(
  root: string,
  options: WalkOptions = {},
  dir = root,
): AsyncGenerator<FoundFile> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch {
    return;
  }
  for await (const entry of handle) {
    const abs = join(dir, entry.name);
    const rel = toRelPosix(root, abs);
    if (isIgnored(rel)) {
      const { onIgnored } = options;
      if (onIgnored && entry.isFile() && onIgnored.name.test(entry.name)) onIgnored.found(abs);
      continue;
    }
    if (entry.isDirectory()) {
      yield* walkShare(root, options, abs);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      const found = await statShared(root, rel);
      if (found) yield found;
    }
  }
}
