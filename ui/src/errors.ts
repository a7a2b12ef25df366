import { byId } from './format.js';

/** Shows an API or network failure in plain words at the top of the page. */
export function showError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  byId('error-text').textContent =
    message === 'Failed to fetch' ? 'The daemon does not answer. Is it still running?' : message;
  byId('error').hidden = false;
}
