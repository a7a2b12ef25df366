// Reads, validates and resolves a config file; every refusal is a ConfigError
// that names the file, the field and the problem.
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { matchesSubject } from '../events/bus.js';
import { EVENT_TYPES } from '../events/types.js';
import { configSchema, type Config, type ConfigInput, type ParsedConfig } from './schema.js';

/** Command-line flags that override the file. */
export interface ConfigOverrides {
  grpcPort?: number;
  restPort?: number;
  sharedDir?: string;
  bootstrap?: string[];
  id?: string;
}

export function loadConfigFile(file: string, overrides: ConfigOverrides = {}): Config {
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
  return resolveConfig(raw, file, dirname(resolve(file)), overrides);
}

/** Validates a config object; relative paths resolve from baseDir. */
export function resolveConfig(
  raw: unknown,
  source: string,
  baseDir: string,
  overrides: ConfigOverrides = {},
): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(source, '', 'expected a JSON object');
  }
  const input = applyOverrides(raw as ConfigInput, overrides);
  const result = configSchema.safeParse(input);
  if (!result.success) throw toConfigError(source, result.error);
  const parsed = result.data;

  if (!isLoopbackHost(parsed.rest.host) && !parsed.rest.token) {
    throw new ConfigError(
      source,
      'rest.token',
      `is required when rest.host (${parsed.rest.host}) is not a loopback address`,
    );
  }
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const sharedDir = abs(overrides.sharedDir ?? parsed.sharedDir);
  ensureDir(source, 'sharedDir', sharedDir);
  const dataDir = parsed.dataDir ? abs(parsed.dataDir) : resolve(sharedDir, '.p2pd');
  ensureDir(source, 'dataDir', dataDir);
  const logFile = parsed.log.file ? abs(parsed.log.file) : resolve(dataDir, 'p2pd.log');
  ensureDir(source, 'log.file', dirname(logFile));
  const id = parsed.id ?? defaultId(sharedDir);

  return {
    ...parsed,
    nats: resolveNats(source, parsed.nats, id, abs),
    id,
    sharedDir,
    dataDir,
    log: { file: logFile, level: parsed.log.level },
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
  const readable = (field: string, file: string | undefined): string | undefined => {
    if (file === undefined) return undefined;
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
  return {
    ...nats,
    credsFile: readable('nats.credsFile', nats.credsFile),
    tls: nats.tls && {
      ca: readable('nats.tls.ca', nats.tls.ca),
      cert: readable('nats.tls.cert', nats.tls.cert),
      key: readable('nats.tls.key', nats.tls.key),
    },
  };
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

function toConfigError(source: string, error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  let field = issue.path.map(String).join('.');
  let problem = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    field = field ? `${field}.${key}` : key;
    problem = 'unknown key';
  } else if (issue.code === 'invalid_type' && issue.input === undefined) {
    problem = 'is required';
  }
  return new ConfigError(source, field, problem);
}

function ensureDir(source: string, field: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(source, field, `folder ${dir} cannot be created or used (${reason})`);
  }
}

/** A stable id for peers configured without one. */
function defaultId(sharedDir: string): string {
  return `peer-${createHash('sha256').update(sharedDir).digest('hex').slice(0, 8)}`;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
