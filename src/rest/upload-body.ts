// The body of `POST /api/v1/files` as a name and a byte stream for the core:
// a raw body named by `?name=`, or a multipart/form-data file part. Nothing
// is buffered whole; the core enforces the size cap while it writes.
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type busboy from 'busboy';
import type { Request, Response } from 'express';
import {
  CancelledError,
  InvalidArgumentError,
  NameTooLongError,
  TooLargeError,
} from '../errors.js';
import { acceptBody } from './route-table.js';

/** Slack for boundaries and part headers when checking a form's Content-Length. */
const FORM_OVERHEAD = 64 * 1024;
/** An unread remainder up to this is drained rather than cutting the connection. */
const DRAIN_LIMIT = 64 * 1024;
const FORM_LIMITS = { files: 1, fields: 16, parts: 32, fieldSize: 4096, headerPairs: 32 };

export interface UploadInit {
  /** Largest file accepted, bytes. */
  maxBytes: number;
  /** `?name=`: wins over the form's `name` field and the part's filename. */
  name: string | undefined;
}

/** The core call that consumes the stream (and validates the name before reading). */
export type Store<T> = (name: string, source: AsyncIterable<Uint8Array>) => Promise<T>;

export async function receiveUpload<T>(
  req: Request,
  res: Response,
  init: UploadInit,
  store: Store<T>,
): Promise<T> {
  const form = Boolean(req.is('multipart/form-data'));
  const declared = Number(req.get('Content-Length') ?? NaN);
  try {
    if (declared > init.maxBytes + (form ? FORM_OVERHEAD : 0)) {
      throw new TooLargeError(
        `body of ${declared} bytes exceeds the upload limit of ${init.maxBytes} bytes`,
      );
    }
    if (form) return await fromForm(req, res, init, store);
    if (init.name === undefined) {
      throw new InvalidArgumentError('a raw body needs the ?name= query parameter');
    }
    return await store(init.name, whenRead(req, res, keepOpen(req)));
  } catch (err) {
    throw settle(req, res, err);
  }
}

/**
 * Yields `source`, telling an `Expect: 100-continue` client to send only
 * once the core starts reading (after it accepted the name).
 */
async function* whenRead(
  req: Request,
  res: Response,
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  acceptBody(req, res);
  yield* source;
}

/** The stream's bytes; stopping early leaves it open. */
function keepOpen(stream: Readable): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: () => stream.iterator({ destroyOnReturn: false }) };
}

/**
 * The error to answer with. The rest of an unread body is discarded; past a
 * small one, closing the connection is cheaper than draining it.
 */
function settle(req: Request, res: Response, err: unknown): unknown {
  if (req.complete) return err;
  req.unpipe();
  req.resume();
  if (!(Number(req.get('Content-Length')) <= DRAIN_LIMIT)) res.setHeader('Connection', 'close');
  if (req.destroyed) return new CancelledError('the client went away during the upload');
  return err;
}

async function fromForm<T>(
  req: Request,
  res: Response,
  init: UploadInit,
  store: Store<T>,
): Promise<T> {
  // Loaded by the first multipart upload, not by every daemon.
  const { default: createParser } = await import('busboy');
  let parser: busboy.Busboy;
  try {
    parser = createParser({ headers: req.headers, limits: FORM_LIMITS });
  } catch (err) {
    throw new InvalidArgumentError(`bad multipart request: ${(err as Error).message}`);
  }
  let fieldName: string | undefined;
  let fileSeen = false;
  let refused: InvalidArgumentError | TooLargeError | undefined;
  const refuse = (message: string): void => {
    refused ??= new InvalidArgumentError(message);
  };
  parser.on('field', (field, value, info) => {
    if (field !== 'name') return;
    if (fileSeen) refuse('the "name" field must come before the file part');
    else if (info.valueTruncated) {
      refused ??= new TooLargeError(
        `the "name" field is longer than ${FORM_LIMITS.fieldSize} bytes`,
      );
    } else fieldName = value;
  });
  parser.on('filesLimit', () => refuse('send one file per request'));
  parser.on('fieldsLimit', () => refuse('too many form fields'));
  parser.on('partsLimit', () => refuse('too many form parts'));
  acceptBody(req, res);
  const parsed = parseForm(req, parser);
  parsed.catch(() => undefined); // awaited below; never an unhandled rejection
  const file = await new Promise<{ stream: Readable; filename: string | undefined } | null>(
    (resolve, reject) => {
      parser.once('file', (_field, stream, info) => {
        fileSeen = true;
        // The form can break before the core starts reading; the error then
        // surfaces through the iterator, never as an unhandled 'error'.
        stream.on('error', () => undefined);
        resolve({ stream, filename: info.filename });
      });
      parsed.then(() => resolve(null), reject);
    },
  );
  if (!file) throw refused ?? new InvalidArgumentError('the form has no file part');
  // The core sees the end of the file only once the whole form parsed
  // cleanly, so a broken or surplus part leaves nothing in the share.
  const name = init.name ?? fieldName ?? file.filename;
  try {
    if (refused) throw refused;
    if (name === undefined) {
      throw new InvalidArgumentError('name the file: ?name=, a "name" field, or a filename');
    }
    return await store(
      name,
      (async function* () {
        try {
          yield* keepOpen(file.stream);
        } catch (err) {
          await parsed; // throws what broke the form, as a 400
          throw err;
        }
        await parsed;
        if (refused) throw refused;
      })(),
    );
  } catch (err) {
    file.stream.resume(); // let the parser run to the end of the form
    // A name from inside the body is part of the payload: too long is 413, not 414.
    if (err instanceof NameTooLongError && init.name === undefined) {
      throw new TooLargeError(err.message, { cause: err });
    }
    throw err;
  }
}

/**
 * Feeds the request to the parser. A broken form rejects with a 400 and
 * leaves the request alone (settle drains it or closes the connection, after
 * the answer); a client that goes away rejects as cancelled.
 */
function parseForm(req: Request, parser: busboy.Busboy): Promise<void> {
  const gone = (): void => {
    if (req.complete) return;
    req.unpipe(parser);
    parser.destroy(new CancelledError('the client went away during the upload'));
  };
  req.once('close', gone);
  // Heard through finished(); this keeps a later destroy() from throwing.
  parser.on('error', () => undefined);
  req.pipe(parser);
  return finished(parser).then(
    () => {
      req.off('close', gone);
    },
    (err: unknown) => {
      req.off('close', gone);
      req.unpipe(parser);
      // busboy reports some breaks by emitting 'error' only: destroying it
      // also ends a file part under way, so its reader stops too.
      parser.destroy();
      if (err instanceof CancelledError) throw err;
      throw new InvalidArgumentError(`bad multipart body: ${(err as Error).message}`, {
        cause: err,
      });
    },
  );
}
