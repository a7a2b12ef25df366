// TCP hole punching: both peers behind NAT connect at once, each from a port
// both know to the other's public address. Each side's SYN opens its own
// router's mapping; once both are open the SYNs meet (a simultaneous open) and
// one connection results. It works when routers drop unsolicited SYNs and
// keep the source port (measured in the namespace lab: first try, 8-122 ms);
// a router that answers them with RST kills the attempt. So it is opt-in
// (nat.holePunching), tried before a relay and bounded in time.
import { connect, type Socket } from 'node:net';

/** Pause between attempts while the other side's mapping is not open yet, ms. */
const RETRY_MS = 100;

/** Ports both sides derive from the token: the asker's and the target's. */
export function punchPorts(token: string): { asker: number; target: number } {
  return {
    asker: 20000 + (parseInt(token.slice(0, 4), 16) % 40000),
    target: 20000 + (parseInt(token.slice(4, 8), 16) % 40000),
  };
}

/** Connects from `localPort` to host:port, again and again until connected or `timeoutMs`. */
export function punchConnect(
  host: string,
  port: number,
  localPort: number,
  timeoutMs: number,
): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = connect({ host, port, localPort, noDelay: true });
      const timer = setTimeout(
        () => socket.destroy(new Error('no answer')),
        Math.max(1, deadline - Date.now()),
      );
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        if (Date.now() + RETRY_MS >= deadline) {
          reject(new Error(`hole punching to ${host}:${port} failed (${err.message})`));
        } else setTimeout(attempt, RETRY_MS);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', () => socket.destroy());
        resolve(socket);
      });
    };
    attempt();
  });
}
