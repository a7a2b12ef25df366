// The REST client of the UI: JSON in and out, problem+json errors in plain
// words, and the bearer token when the daemon asks for one.

const TOKEN_KEY = 'p2pd.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let askToken: (() => Promise<string>) | undefined;
/** The question being asked, so that requests refused together ask once. */
let asking: Promise<string> | undefined;

/** Called once with a function that asks the person for a token. */
export function onTokenNeeded(ask: () => Promise<string>): void {
  askToken = ask;
}

export function authHeaders(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * Trades the token for a session cookie, which event streams and download links carry
 * where a header cannot go (a token in a URL would land in logs and history).
 */
export async function openSession(): Promise<void> {
  if (!sessionStorage.getItem(TOKEN_KEY)) return;
  await fetch('/api/v1/session', { method: 'POST', headers: authHeaders() }).catch(() => undefined);
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const sent = sessionStorage.getItem(TOKEN_KEY);
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (init.body && typeof init.body === 'string') headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    ...init,
    headers: { ...headers, ...(init.headers as Record<string, string>) },
  });
  if (res.status === 401 && askToken) {
    // Ask only if no other request has obtained a newer token meanwhile.
    if (sessionStorage.getItem(TOKEN_KEY) === sent) {
      asking ??= askToken().finally(() => (asking = undefined));
      const token = (await asking).trim();
      if (!token) throw new ApiError(401, 'This daemon needs its API token (rest.token).');
      sessionStorage.setItem(TOKEN_KEY, token);
      await openSession();
    }
    return api<T>(path, init);
  }
  if (!res.ok) throw new ApiError(res.status, await problemText(res));
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

async function problemText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { title?: string; detail?: string };
    return body.detail || body.title || `${res.status} ${res.statusText}`;
  } catch {
    return `${res.status} ${res.statusText}`;
  }
}
