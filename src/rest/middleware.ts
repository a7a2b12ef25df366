// Cross-cutting middleware: request metrics and the bearer token on /api/.
import type { RequestHandler } from 'express';
import { bearerMatches } from '../auth.js';
import { UnauthenticatedError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Sessions } from './session.js';

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

/** A query parameter some clients use for tokens; refused here, masked in the log. */
export const TOKEN_PARAM = 'access_token';

/**
 * `Authorization: Bearer <token>`, or a browser session (see session.ts). Never a token
 * in the URL: it would end up in logs, proxies and browser history.
 */
export function requireBearer(token: string, sessions: Sessions): RequestHandler {
  return (req, _res, next) => {
    if (TOKEN_PARAM in req.query) {
      throw new UnauthenticatedError(
        `a token in the URL (${TOKEN_PARAM}) is not accepted: send "Authorization: Bearer <token>", or open a browser session with POST /api/v1/session`,
      );
    }
    const header = req.get('Authorization');
    if (header === undefined && sessions.validates(req)) return next();
    if (!bearerMatches(header, token)) {
      throw new UnauthenticatedError('a valid "Authorization: Bearer <token>" header is required');
    }
    next();
  };
}

/** A URL fit for the log: the token parameter's value masked. */
export function redactToken(url: string): string {
  return url.replace(new RegExp(`([?&]${TOKEN_PARAM}=)[^&#]*`, 'g'), '$1***');
}
