// Names from outside (requests, peers) and what the index skips. No name
// accepted here can resolve outside the shared folder.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidArgumentError, NameTooLongError } from '../errors.js';

/** The daemon's own hidden folder inside a share. */
export const DATA_DIR_NAME = '.p2pd';
export const MAX_NAME_BYTES = 1024;
/** What Linux file systems take for one file or folder name. */
export const MAX_COMPONENT_BYTES = 255;

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
    throw new NameTooLongError(`name is longer than ${MAX_NAME_BYTES} bytes`);
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
      throw new NameTooLongError(`a name part is longer than ${MAX_COMPONENT_BYTES} bytes`);
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

/**
 * `a/b/name (1).ext`, `(2)`, ... for the n-th alternative to a taken name.
 * The stem is cut (at a character boundary) so the last part still fits in
 * MAX_COMPONENT_BYTES: a clash with a 255-byte name gets a shorter name, not
 * an error.
 */
export function alternativeName(relPath: string, n: number): string {
  const slash = relPath.lastIndexOf('/');
  const dir = relPath.slice(0, slash + 1);
  const base = relPath.slice(slash + 1);
  const suffix = ` (${n})`;
  const dot = base.lastIndexOf('.');
  let [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  // An extension too long to leave room for any stem is treated as part of it.
  if (Buffer.byteLength(ext) + Buffer.byteLength(suffix) >= MAX_COMPONENT_BYTES) {
    [stem, ext] = [base, ''];
  }
  const room = MAX_COMPONENT_BYTES - Buffer.byteLength(suffix) - Buffer.byteLength(ext);
  return `${dir}${cutToBytes(stem, room)}${suffix}${ext}`;
}

/** The longest prefix of text that is at most maxBytes of UTF-8, never splitting a character. */
function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    out += char;
  }
  return out;
}
