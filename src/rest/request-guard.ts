// What keeps a web page from using this daemon's API through the browser of the person
// at the machine. The API listens on loopback, but a page from anywhere can still send
// requests there:
// - DNS rebinding: a page on evil.example rebinds that name to 127.0.0.1 and talks to us
//   as its own origin. Its requests carry `Host: evil.example`, so only the names this
//   daemon serves are accepted (IP literals can never be rebound, so they always are).
// - Cross-site requests (CSRF): a page posts a form or a no-cors fetch here. Browsers say
//   where such a request comes from (`Origin`, `Sec-Fetch-Site`); a write from anywhere but
//   this origin (or rest.allowedOrigins) is refused. An upload whose body a form could send
//   (urlencoded, multipart, text/plain, or untyped) also needs `X-Requested-With`, which
//   no page can add across sites: a browser that omits Origin is covered too.
// Clients that are not browsers (curl, scripts) send none of these headers and pass.
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Request, RequestHandler } from 'express';
import { PermissionDeniedError } from '../errors.js';

export interface RequestGuardInit {
  /** rest.host: accepted as a Host name when it is one. */
  listenHost: string;
  /** rest.allowedHosts. */
  allowedHosts: readonly string[];
  /** rest.allowedOrigins: may call the API from a browser (CORS). */
  allowedOrigins: readonly string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** What an HTML form (or a fetch without a preflight) can send. */
const FORM_TYPES = new Set([
  '',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);
export const CSRF_HEADER = 'X-Requested-With';

/** The host name of a `Host` header, lowercased, without port or brackets. */
export function hostNameOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  return h.replace(/:\d*$/, '').replace(/\.$/, '');
}

export function requestGuard(init: RequestGuardInit): RequestHandler {
  const names = new Set(
    ['localhost', hostname(), init.listenHost, ...init.allowedHosts].map((n) => n.toLowerCase()),
  );
  const origins = new Set(init.allowedOrigins.map((o) => o.replace(/\/$/, '')));
  return (req, res, next) => {
    const host = req.get('Host');
    const name = host === undefined ? '' : hostNameOf(host);
    if (!(isIP(name) !== 0 || names.has(name))) {
      throw new PermissionDeniedError(
        `this daemon does not serve the host name "${name.slice(0, 100)}"; if it should, add it to rest.allowedHosts`,
      );
    }
    const origin = req.get('Origin');
    const corsAllowed = origin !== undefined && origins.has(origin);
    if (corsAllowed) {
      res.set({ 'Access-Control-Allow-Origin': origin, Vary: 'Origin' });
      if (req.method === 'OPTIONS') {
        res
          .status(204)
          .set({
            'Access-Control-Allow-Methods': 'GET, HEAD, POST, PATCH, DELETE',
            'Access-Control-Allow-Headers': `Authorization, Content-Type, Last-Event-ID, ${CSRF_HEADER}`,
            'Access-Control-Max-Age': '600',
          })
          .end();
        return;
      }
    }
    if (!SAFE_METHODS.has(req.method)) {
      if (!corsAllowed && !sameSite(req, origin)) {
        throw new PermissionDeniedError(
          'a request from another web site may not change anything here; to allow a web app, add its origin to rest.allowedOrigins',
        );
      }
    }
    next();
  };
}

/**
 * For routes that take bodies other than JSON (uploads): a body a web form could send
 * needs `X-Requested-With`. JSON routes need no such check: they refuse every form type.
 */
export function refuseFormBody(req: Request): void {
  if (hasBody(req) && FORM_TYPES.has(mediaType(req)) && req.get(CSRF_HEADER) === undefined) {
    throw new PermissionDeniedError(
      `a body of type "${mediaType(req) || 'none'}" needs the header ${CSRF_HEADER} (any value), which web forms cannot send; a raw upload can say Content-Type: application/octet-stream instead`,
    );
  }
}

/** True unless the browser says the request comes from another origin. */
function sameSite(req: Request, origin: string | undefined): boolean {
  if (origin !== undefined) {
    return origin.toLowerCase() === `http://${(req.get('Host') ?? '').toLowerCase()}`;
  }
  const site = req.get('Sec-Fetch-Site');
  return site === undefined || site === 'same-origin' || site === 'none';
}

function mediaType(req: Request): string {
  return (req.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
}

function hasBody(req: Request): boolean {
  const length = req.get('Content-Length');
  return length !== undefined ? length.trim() !== '0' : req.get('Transfer-Encoding') !== undefined;
}
