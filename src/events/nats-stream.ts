// Ensures the JetStream stream the daemon publishes into.
import { nanos, type JetStreamManager, type NatsError } from 'nats';
import { matchesSubject } from './bus.js';

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** 0 = no limit, for each limit. */
  maxAgeMs: number;
  maxBytes: number;
  maxMsgs: number;
  duplicateWindowMs: number;
}

export type StreamOutcome =
  /** Our stream holds our subjects. */
  | { kind: 'ready'; created: boolean }
  /** Another stream already captures our subjects; publishes are acked by it. */
  | { kind: 'captured'; detail: string }
  /** A stream with our name exists but does not hold our subjects. */
  | { kind: 'clash'; subjects: string[] };

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
    return covered ? { kind: 'ready', created: false } : { kind: 'clash', subjects: held };
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
    });
    return { kind: 'ready', created: true };
  } catch (err) {
    // Another peer created it between our lookup and our create: check theirs.
    if (apiErrorCode(err) === STREAM_NAME_IN_USE && retry) {
      return ensureStream(jsm, spec, publishSubjects, false);
    }
    if (apiErrorCode(err) === SUBJECTS_OVERLAP) {
      return { kind: 'captured', detail: (err as Error).message };
    }
    throw err;
  }
}

/** The JetStream API error code of a NatsError, if it carries one. */
export function apiErrorCode(err: unknown): number | undefined {
  const ne = err as Partial<NatsError> | undefined;
  return typeof ne?.jsError === 'function' ? (ne.jsError()?.err_code ?? undefined) : undefined;
}
