// Names from outside (requests, peers) and what the index skips. No name
// accepted here can resolve outside the shared folder.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** The daemon's own hidden folder inside a share. */
export const DATA_DIR_NAME = '.p2pd';
const MAX_NAME_BYTES = 1024;
const MAX_COMPONENT_BYTES = 255;

/** Partial and temporary files: ours, browsers' and editors'. */
const TEMP_PATTERNS = [
  /\.(part|partial|tmp|temp|crdownload|download|swp|swo|swx)$/i,
  /~$/,
  /^\.#/,
  /^#.*#$/,
  /^\.~lock\./,
  /^\.DS_Store$/,
  /^\.p2pd/,
];

/** True for a relative path the index must not share. */
export function isIgnored(relPath: string): boolean {
  return relPath.split('/').some((part) => TEMP_PATTERNS.some((re) => re.test(part)));
}

/**
 * Checks a user-supplied relative name and returns it normalized (POSIX
 * separators, no empty or `.` parts). Throws InvalidArgumentError naming the problem.
 */
export function checkShareName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidArgumentError('name is required');
  }
  if (name.includes('\0')) throw new InvalidArgumentError('name must not contain NUL bytes');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new InvalidArgumentError('name must not contain control characters');
  }
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new InvalidArgumentError(`name is longer than ${MAX_NAME_BYTES} bytes`);
  }
  if (name.includes('\\')) throw new InvalidArgumentError('name must use / as separator');
  if (isAbsolute(name) || /^[A-Za-z]:/.test(name)) {
    throw new InvalidArgumentError('name must be a relative path');
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new InvalidArgumentError('name is required');
  for (const part of parts) {
    if (part === '..') throw new InvalidArgumentError('name must not contain ".."');
    if (Buffer.byteLength(part) > MAX_COMPONENT_BYTES) {
      throw new InvalidArgumentError(`a name part is longer than ${MAX_COMPONENT_BYTES} bytes`);
    }
    if (part.trim() !== part) {
      throw new InvalidArgumentError('name parts must not start or end with spaces');
    }
  }
  const normalized = parts.join('/');
  if (isIgnored(normalized)) {
    throw new InvalidArgumentError('name looks like a temporary or reserved file');
  }
  return normalized;
}

/** Absolute path of a relative name, or null when it would leave root. */
export function resolveInside(root: string, relPath: string): string | null {
  const abs = resolve(root, relPath);
  const rel = relative(root, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return abs;
}

/** Relative POSIX path of an absolute path under root. */
export function toRelPosix(root: string, abs: string): string {
  return relative(root, abs).split(sep).join('/');
}

/** `a/b/name (1).ext`, `(2)`, ... for the n-th alternative to a taken name. */
export function alternativeName(relPath: string, n: number): string {
  const slash = relPath.lastIndexOf('/');
  const dir = relPath.slice(0, slash + 1);
  const base = relPath.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  return `${dir}${stem} (${n})${ext}`;
}
