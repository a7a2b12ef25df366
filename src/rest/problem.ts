// Every REST error as RFC 9457 problem details, with the HTTP status from the
// one error table in errors.ts.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import {
  InvalidArgumentError,
  NotFoundError,
  P2pError,
  RangeNotSatisfiableError,
  TooLargeError,
  UnauthenticatedError,
  publicMessage,
  toP2pError,
  wireCodes,
  type ErrorCode,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { redactToken } from './middleware.js';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  /** `urn:p2pd:problem:<code>`, stable per error condition. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The error table's code, e.g. `NOT_FOUND`. */
  code: ErrorCode;
}

export function problemOf(err: P2pError): Problem {
  const { http, title } = wireCodes(err);
  return {
    type: `urn:p2pd:problem:${err.code.toLowerCase().replaceAll('_', '-')}`,
    title,
    status: http,
    detail: publicMessage(err),
    code: err.code,
  };
}

/**
 * Errors raised by Express and its parsers (http-errors with a `status`, a
 * URIError from a bad path escape) mapped onto our conditions; anything else
 * goes through toP2pError.
 */
export function fromHttpError(err: unknown): P2pError {
  if (err instanceof P2pError) return err;
  const status = (err as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = err instanceof Error ? err.message : String(err);
    if (status === 413) return new TooLargeError(message, { cause: err });
    if (status === 404) return new NotFoundError(message, { cause: err });
    return new InvalidArgumentError(message, { cause: err });
  }
  return toP2pError(err);
}

/** Headers of a representation a problem may replace before anything was sent. */
const REPRESENTATION_HEADERS = ['Content-Disposition', 'Content-Range', 'ETag', 'Last-Modified'];

export function sendProblem(res: Response, err: P2pError): void {
  const problem = problemOf(err);
  for (const name of REPRESENTATION_HEADERS) res.removeHeader(name);
  if (err instanceof RangeNotSatisfiableError) {
    res.setHeader('Content-Range', `bytes */${err.size}`);
  }
  if (err instanceof UnauthenticatedError) res.setHeader('WWW-Authenticate', 'Bearer realm="p2pd"');
  res.status(problem.status).type(PROBLEM_TYPE).send(JSON.stringify(problem));
}

/** Unmatched routes: a 404 problem, never Express's HTML page. */
export const notFound: RequestHandler = (req) => {
  throw new NotFoundError(`no route ${req.method} ${req.path}`);
};

/** The last middleware: answers a problem, or cuts the connection if the response already started. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (raw: unknown, req, res, _next) => {
    const err = fromHttpError(raw);
    const log = { err: raw, method: req.method, url: redactToken(req.originalUrl) };
    // Only a failure of our own (INTERNAL) earns ERROR and a stack; an
    // unreachable peer or a full disk is the world's state, said in one line.
    if (err.code === 'INTERNAL') logger.error(log, 'request failed');
    else if (wireCodes(err).http >= 500) {
      logger.warn({ method: log.method, url: log.url, reason: err.message }, 'request failed');
    } else logger.debug(log, 'request refused');
    if (res.headersSent) {
      // A body is under way (a download whose file vanished): the client
      // must see a cut, not a clean end.
      res.destroy();
      return;
    }
    sendProblem(res, err);
  };
}
