// Browser sessions for a daemon with rest.token. A page can send the token as a header
// from fetch(), but not from EventSource or a download link, and a token in a URL ends
// up in logs and history. So the web UI trades the token once for a session cookie:
// HttpOnly (no script reads it), SameSite=Strict (no other site's request carries it),
// random and short-lived, held only in memory (a restart ends every session).
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { defineRoute, type Route } from './route-table.js';

export interface SessionsInit {
  /** The cookie's name: one per peer, since browsers share cookies across ports. */
  cookieName: string;
  /** How long a session lasts after its last use, ms (default 12 h). */
  idleMs?: number;
  /** Sessions kept at once; the least recently used goes first (default 64). */
  max?: number;
}

export class Sessions {
  /** Session id → when it expires; Map order is least recently used first. */
  private readonly expiries = new Map<string, number>();
  private readonly idleMs: number;
  private readonly max: number;

  constructor(readonly init: SessionsInit) {
    this.idleMs = init.idleMs ?? 12 * 3600_000;
    this.max = init.max ?? 64;
  }

  /** True when the request carries a live session cookie; its lifetime starts over. */
  validates(req: Request): boolean {
    const id = cookie(req.get('Cookie'), this.init.cookieName);
    if (id === undefined) return false;
    const expires = this.expiries.get(id);
    if (expires === undefined) return false;
    this.expiries.delete(id);
    if (expires < Date.now()) return false;
    this.expiries.set(id, Date.now() + this.idleMs);
    return true;
  }

  open(res: Response): void {
    const id = randomBytes(32).toString('base64url');
    this.expiries.set(id, Date.now() + this.idleMs);
    for (const old of this.expiries.keys()) {
      if (this.expiries.size <= this.max) break;
      this.expiries.delete(old);
    }
    res.cookie(this.init.cookieName, id, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      maxAge: this.idleMs,
    });
  }

  close(req: Request, res: Response): void {
    const id = cookie(req.get('Cookie'), this.init.cookieName);
    if (id !== undefined) this.expiries.delete(id);
    res.clearCookie(this.init.cookieName, { httpOnly: true, sameSite: 'strict', path: '/' });
  }
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionRoutes(sessions: Sessions): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/session',
      operationId: 'openSession',
      tag: 'ops',
      summary: 'Trade the bearer token for a session cookie (for browsers)',
      description:
        'Sets an HttpOnly, SameSite=Strict cookie that authenticates later requests from ' +
        'this browser, including event streams and download links, which cannot carry ' +
        'a header. Sessions live in memory: a restart ends them.',
      responses: { 204: { description: 'The cookie is set' } },
      handler: (_input, _req, res) => {
        sessions.open(res);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/session',
      operationId: 'closeSession',
      tag: 'ops',
      summary: 'End this browser session',
      responses: { 204: { description: 'The cookie is cleared' } },
      handler: (_input, req, res) => {
        sessions.close(req, res);
        res.status(204).end();
      },
    }),
  ];
}
