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

export function requireBearer(token: string): RequestHandler {
  return (req, _res, next) => {
    if (!bearerMatches(req.get('Authorization'), token)) {
      throw new UnauthenticatedError('a valid "Authorization: Bearer <token>" header is required');
    }
    next();
  };
}
