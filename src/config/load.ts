// Reads, validates and resolves a config file; every refusal is a ConfigError
// that names the file, the field and the problem.
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  mkdirSync,
  statfsSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { DATA_DIR_NAME } from '../index/paths.js';
import { matchesSubject } from '../events/bus.js';
import { EVENT_TYPES } from '../events/types.js';
import { defaultLogFile } from './log-path.js';
import { configSchema, type Config, type ConfigInput, type ParsedConfig } from './schema.js';
import { isLoopbackHost } from '../net/addresses.js';

/** Command-line flags that override the file. */
export interface ConfigOverrides {
  grpcPort?: number;
  restPort?: number;
  sharedDir?: string;
  bootstrap?: string[];
  id?: string;
}

export interface LoadOptions {
  /**
   * Create the folders the config names and check they are usable (default),
   * or only resolve their paths: a client reading a daemon's address from its
   * config must not create that daemon's folders.
   */
  prepareFolders?: boolean;
}

export function loadConfigFile(
  file: string,
  overrides: ConfigOverrides = {},
  options: LoadOptions = {},
): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, '', code === 'ENOENT' ? 'file not found' : `cannot read (${code})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, '', `invalid JSON: ${(err as Error).message}`);
  }
  return resolveConfig(raw, file, dirname(resolve(file)), overrides, options);
}

/** Validates a config object; relative paths resolve from baseDir. */
export function resolveConfig(
  raw: unknown,
  source: string,
  baseDir: string,
  overrides: ConfigOverrides = {},
  options: LoadOptions = {},
): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(source, '', 'expected a JSON object');
  }
  const input = applyOverrides(raw as ConfigInput, overrides);
  const result = configSchema.safeParse(input);
  if (!result.success) throw toConfigError(source, input, result.error);
  const parsed = result.data;

  if (!isLoopbackHost(parsed.rest.host) && !parsed.rest.token) {
    throw new ConfigError(
      source,
      'rest.token',
      `is required when rest.host (${parsed.rest.host}) is not a loopback address`,
    );
  }
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const prepare = (field: string, dir: string): void => {
    if (options.prepareFolders !== false) ensureDir(source, field, dir);
  };
  const sharedDir = abs(overrides.sharedDir ?? parsed.sharedDir);
  prepare('sharedDir', sharedDir);
  checkRealFiles(source, 'sharedDir', sharedDir);
  const dataDir = parsed.dataDir ? abs(parsed.dataDir) : resolve(sharedDir, DATA_DIR_NAME);
  checkDataDir(source, sharedDir, dataDir);
  prepare('dataDir', dataDir);
  const downloadDir = parsed.transfer.downloadDir ? abs(parsed.transfer.downloadDir) : sharedDir;
  prepare('transfer.downloadDir', downloadDir);
  const id = parsed.id ?? defaultId(sharedDir);
  const logFile = parsed.log.file ? abs(parsed.log.file) : defaultLogFile(id);
  prepare('log.file', dirname(logFile));

  return {
    ...parsed,
    nats: resolveNats(source, parsed.nats, id, abs),
    id,
    sharedDir,
    dataDir,
    transfer: { ...parsed.transfer, downloadDir },
    log: { ...parsed.log, file: logFile },
    source,
  };
}

/** NATS file paths made absolute and readable; the stream must hold this peer's subjects. */
function resolveNats(
  source: string,
  nats: ParsedConfig['nats'],
  id: string,
  abs: (p: string) => string,
): ParsedConfig['nats'] {
  const readable = (field: string, file: string): string => {
    const path = abs(file);
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(source, field, `cannot read ${path} (${code})`);
    }
    return path;
  };
  const uncovered = EVENT_TYPES.map((type) => `p2p.${id}.${type}`).find(
    (subject) =>
      !nats.stream.subjects.some((s) => matchesSubject(s.split('.'), subject.split('.'))),
  );
  if (uncovered !== undefined) {
    throw new ConfigError(source, 'nats.stream.subjects', `must cover ${uncovered}`);
  }
  const out = { ...nats };
  if (nats.credsFile !== undefined) out.credsFile = readable('nats.credsFile', nats.credsFile);
  if (nats.tls) {
    out.tls = {};
    for (const key of ['ca', 'cert', 'key'] as const) {
      const file = nats.tls[key];
      if (file !== undefined) out.tls[key] = readable(`nats.tls.${key}`, file);
    }
  }
  return out;
}

function applyOverrides(raw: ConfigInput, o: ConfigOverrides): ConfigInput {
  const out: ConfigInput = { ...raw };
  if (o.id !== undefined) out.id = o.id;
  if (o.sharedDir !== undefined) out.sharedDir = o.sharedDir;
  if (o.bootstrap !== undefined) out.bootstrap = o.bootstrap;
  if (o.grpcPort !== undefined) out.grpc = { ...(raw.grpc ?? {}), port: o.grpcPort };
  if (o.restPort !== undefined) out.rest = { ...(raw.rest ?? {}), port: o.restPort };
  return out;
}

function toConfigError(source: string, input: unknown, error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  const path = [...issue.path];
  let problem = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path.push(issue.keys[0]!);
    problem = 'unknown key';
  } else if (issue.code === 'invalid_type') {
    // zod v4 leaves the input out of issues; look the value up to tell "missing" from "wrong type".
    const value = valueAt(input, issue.path);
    problem =
      value === undefined
        ? 'is required'
        : `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}, got ${describeValue(value)}`;
  }
  return new ConfigError(source, fieldName(path), problem);
}

/** `grpc.port`, `bootstrap[1]`. */
function fieldName(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`))
    .join('');
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`;
}

/**
 * The data folder holds state the daemon trusts (partial fetches, the index
 * cache): inside the share, anyone who can add a file could plant it. Only
 * `<sharedDir>/.p2pd` is allowed there, a name the index never shares and
 * no upload can take. Checked on the paths as written and as they resolve.
 */
function checkDataDir(source: string, sharedDir: string, dataDir: string): void {
  for (const [share, data] of [
    [sharedDir, dataDir],
    [realPathSoFar(sharedDir), realPathSoFar(dataDir)],
  ] as const) {
    const rel = relative(share, data);
    const outside = rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
    if (!outside && rel !== DATA_DIR_NAME) {
      throw new ConfigError(
        source,
        'dataDir',
        `${dataDir} is inside sharedDir; use a folder outside it, or leave dataDir out for <sharedDir>/${DATA_DIR_NAME}`,
      );
    }
  }
}

/** The real path of the deepest part of `path` that exists, with the rest appended. */
function realPathSoFar(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPathSoFar(parent), basename(path));
  }
}

function ensureDir(source: string, field: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: 'EEXIST' });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = DIR_PROBLEMS[code] ?? (code || (err as Error).message);
    throw new ConfigError(source, field, `cannot use folder ${dir}: ${why}`);
  }
}

/** statfs types of kernel file systems whose "files" are views of the kernel, not data. */
const VIRTUAL_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x6165676c: 'pstore',
  0x62656570: 'configfs',
  0x1cd1: 'devpts',
};

/** A share on /proc or /sys is endless files that change as they are read: refused. */
function checkRealFiles(source: string, field: string, dir: string): void {
  let type: number;
  try {
    type = statfsSync(dir).type;
  } catch {
    return; // a folder that cannot be looked at is reported where it is used
  }
  const fs = VIRTUAL_FS[type];
  if (fs) {
    throw new ConfigError(
      source,
      field,
      `${dir} is on the ${fs} virtual file system, whose files are views of the kernel; share a folder of real files`,
    );
  }
}

const DIR_PROBLEMS: Record<string, string> = {
  EEXIST: 'it is a file, not a folder',
  ENOTDIR: 'part of the path is a file, not a folder',
  EACCES: 'permission denied (it must be readable and writable)',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'path too long',
};

/** A stable id for peers configured without one. */
function defaultId(sharedDir: string): string {
  return `peer-${createHash('sha256').update(sharedDir).digest('hex').slice(0, 8)}`;
}
