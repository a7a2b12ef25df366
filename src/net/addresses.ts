// host:port arithmetic for peer addresses, and the address classes that
// decide what may be handed to whom (a loopback address means "this host"
// and is useless, even harmful, to a peer on another host).
import { isIP } from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;
const UNSPECIFIED = /^(0\.0\.0\.0|::|)$/;

/** Splits `host:port` / `[v6]:port`; the host comes back without brackets. */
export function splitHostPort(address: string): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(address);
  if (bracket) return { host: bracket[1]!, port: Number(bracket[2]) };
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

export function joinHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** An IPv4-mapped IPv6 host (`::ffff:10.0.0.1`) as plain IPv4; anything else unchanged. */
export function plainHost(host: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return mapped ? mapped[1]! : host;
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(plainHost(host));
}

export function isUnspecifiedHost(host: string): boolean {
  return UNSPECIFIED.test(host);
}

/** Loopback or wildcard: an address no other host can dial. */
export function isLocalOnly(address: string): boolean {
  const { host } = splitHostPort(address);
  return isLoopbackHost(host) || isUnspecifiedHost(host);
}

/** An observed caller host worth believing as a dialable IP (not loopback, not a name). */
export function isRoutableIp(host: string): boolean {
  const h = plainHost(host);
  return isIP(h) !== 0 && !isLoopbackHost(h) && !isUnspecifiedHost(h);
}
