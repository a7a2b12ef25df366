// Cross-cutting middleware: request metrics and the bearer token on /api/.
import type { RequestHandler } from 'express';
import { bearerMatches } from '../auth.js';
import { UnauthenticatedError } from '../errors.js';
import type { Metrics } from '../metrics.js';

/**
 * Counts every request once it is over (finished or cut), labelled with the
 * route pattern, so raw URLs never become label values.
 */
export function countRequests(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    res.once('close', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      metrics.httpRequests.inc({
        method: req.method,
        route: typeof route === 'string' ? route : 'unmatched',
        status: String(res.statusCode),
      });
    });
    next();
  };
}

/** The query parameter a browser uses where it cannot send headers (links, EventSource). */
export const TOKEN_PARAM = 'access_token';

/**
 * `Authorization: Bearer <token>`, or on GET/HEAD only `?access_token=`
 * (RFC 6750 §2.3) for the web UI's download links and event streams.
 */
export function requireBearer(token: string): RequestHandler {
  return (req, _res, next) => {
    const fromQuery = req.method === 'GET' || req.method === 'HEAD' ? req.query[TOKEN_PARAM] : '';
    const presented =
      req.get('Authorization') ??
      (typeof fromQuery === 'string' && fromQuery !== '' ? `Bearer ${fromQuery}` : undefined);
    if (!bearerMatches(presented, token)) {
      throw new UnauthenticatedError('a valid "Authorization: Bearer <token>" header is required');
    }
    next();
  };
}

/** A URL fit for the log: the token parameter's value masked. */
export function redactToken(url: string): string {
  return url.replace(new RegExp(`([?&]${TOKEN_PARAM}=)[^&#]*`, 'g'), '$1***');
}
