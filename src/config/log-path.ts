// Where a peer logs when its config names no file: the XDG state folder, not
// the share. A share's disk is the one other peers fill (uploads, fetches);
// the log should not go down with it, nor be shared with the network.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** `$XDG_STATE_HOME/p2pd/<id>.log`, `~/.local/state/p2pd/<id>.log` when unset or relative. */
export function defaultLogFile(id: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.XDG_STATE_HOME;
  const stateHome =
    configured !== undefined && isAbsolute(configured)
      ? configured
      : join(homedir(), '.local', 'state');
  return join(stateHome, 'p2pd', `${id}.log`);
}
