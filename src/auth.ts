import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time check of an `Authorization` header against `Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(header ?? ''), digest(`Bearer ${token}`));
}
