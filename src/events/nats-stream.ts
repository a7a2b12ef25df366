// Ensures the JetStream stream the daemon publishes into.
import { nanos, type JetStreamManager, type NatsError, type StreamConfig } from 'nats';
import { matchesSubject } from './bus.js';

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** 0 = no limit, for each limit. */
  maxAgeMs: number;
  maxBytes: number;
  maxMsgs: number;
  duplicateWindowMs: number;
  /** Copies of each message a cluster keeps, 1-5. */
  replicas: number;
}

export type StreamOutcome =
  /**
   * Our stream holds our subjects. An existing one whose settings differ from the spec
   * lists each difference in plain words (it is used as it is).
   */
  | { kind: 'ready'; created: boolean; differences: string[] }
  /** Another stream already captures our subjects; publishes are acked by it. */
  | { kind: 'captured'; detail: string }
  /** A stream with our name exists but does not hold our subjects. */
  | { kind: 'clash'; subjects: string[] };

/** The server refused to create the stream, e.g. more replicas than the cluster has. */
export class StreamCreateError extends Error {
  override name = 'StreamCreateError';
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;
const SUBJECTS_OVERLAP = 10065;

/**
 * Creates the stream if missing; an existing one is never modified (other peers
 * and operators share it), only checked to hold every subject we publish on.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  spec: StreamSpec,
  publishSubjects: readonly string[],
  retry = true,
): Promise<StreamOutcome> {
  try {
    const info = await jsm.streams.info(spec.name);
    const held = info.config.subjects ?? [];
    const covered = publishSubjects.every((subject) =>
      held.some((s) => matchesSubject(s.split('.'), subject.split('.'))),
    );
    return covered
      ? { kind: 'ready', created: false, differences: differences(info.config, spec) }
      : { kind: 'clash', subjects: held };
  } catch (err) {
    if (apiErrorCode(err) !== STREAM_NOT_FOUND) throw err;
  }
  try {
    await jsm.streams.add({
      name: spec.name,
      subjects: spec.subjects,
      max_age: nanos(spec.maxAgeMs),
      max_bytes: spec.maxBytes === 0 ? -1 : spec.maxBytes,
      max_msgs: spec.maxMsgs === 0 ? -1 : spec.maxMsgs,
      duplicate_window: nanos(spec.duplicateWindowMs),
      num_replicas: spec.replicas,
    });
    return { kind: 'ready', created: true, differences: [] };
  } catch (err) {
    // Another peer created it between our lookup and our create: check theirs.
    if (apiErrorCode(err) === STREAM_NAME_IN_USE && retry) {
      return ensureStream(jsm, spec, publishSubjects, false);
    }
    if (apiErrorCode(err) === SUBJECTS_OVERLAP) {
      return { kind: 'captured', detail: (err as Error).message };
    }
    if (apiErrorCode(err) !== undefined) {
      const copies = spec.replicas === 1 ? '1 replica' : `${spec.replicas} replicas`;
      throw new StreamCreateError(
        `the server refused to create JetStream stream ${spec.name} with ${copies}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** How an existing stream differs from what this peer's config asks for, in plain words. */
function differences(config: Partial<StreamConfig>, spec: StreamSpec): string[] {
  const out: string[] = [];
  const compare = (field: string, has: number | undefined, wants: number, unit = ''): void => {
    if (has !== undefined && has !== wants) {
      out.push(`${field} is ${has}${unit} there, ${wants}${unit} in this peer's config`);
    }
  };
  compare('nats.stream.replicas', config.num_replicas, spec.replicas);
  const ms = (ns: number | undefined): number | undefined =>
    ns === undefined ? undefined : Math.round(ns / 1e6);
  compare('nats.stream.maxAgeMs', ms(config.max_age), spec.maxAgeMs, ' ms');
  compare(
    'nats.stream.duplicateWindowMs',
    ms(config.duplicate_window),
    spec.duplicateWindowMs,
    ' ms',
  );
  const limit = (n: number | undefined): number | undefined => (n === -1 ? 0 : n);
  compare('nats.stream.maxBytes', limit(config.max_bytes), spec.maxBytes);
  compare('nats.stream.maxMsgs', limit(config.max_msgs), spec.maxMsgs);
  return out;
}

/** The JetStream API error code of a NatsError, if it carries one. */
export function apiErrorCode(err: unknown): number | undefined {
  const ne = err as Partial<NatsError> | undefined;
  return typeof ne?.jsError === 'function' ? (ne.jsError()?.err_code ?? undefined) : undefined;
}
