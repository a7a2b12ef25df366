// PeerService calls of peers behind NAT: DialBack, Listen, Connect. They only
// translate; src/nat decides and bounds.
import type { Core } from '../core.js';
import type { ConnectRequest__Output } from '../generated/p2p/v1/ConnectRequest.js';
import type { ConnectResponse } from '../generated/p2p/v1/ConnectResponse.js';
import type { DialBackRequest__Output } from '../generated/p2p/v1/DialBackRequest.js';
import type { DialBackResponse } from '../generated/p2p/v1/DialBackResponse.js';
import type { DialRequest } from '../generated/p2p/v1/DialRequest.js';
import type { ListenRequest__Output } from '../generated/p2p/v1/ListenRequest.js';
import type { PeerServiceHandlers } from '../generated/p2p/v1/PeerService.js';
import { callerOf } from './caller.js';
import { serverStream, unary } from './handle.js';

type Guard = (call: { getPeer(): string }) => void;

/** A call on a connection this peer opened and serves on (server.ts numbers those past 65535). */
function servedOutbound(peer: string): boolean {
  return Number(/:(\d+)$/.exec(peer)?.[1] ?? 0) > 65535;
}

export function natHandlers(
  core: Core,
  guard: Guard,
): Pick<PeerServiceHandlers, 'DialBack' | 'Listen' | 'Connect'> {
  const { metrics, nat } = core;
  return {
    DialBack: unary<DialBackRequest__Output, DialBackResponse>(
      'PeerService/DialBack',
      metrics,
      (req, call) =>
        nat.handleDialBack(req.port, callerOf(call, core.wire), servedOutbound(call.getPeer())),
      guard,
    ),
    Listen: serverStream<ListenRequest__Output, DialRequest>(
      'PeerService/Listen',
      metrics,
      (req, call) =>
        new Promise<void>((resolve) => {
          const end = nat.handleListen(req.peer, callerOf(call, core.wire), {
            // Orders are tiny and rare (rate-limited where they are made): no backpressure wait.
            send: (order) =>
              void call.write({
                token: Buffer.from(order.token, 'hex'),
                host: order.host,
                port: order.port,
                localPort: order.localPort,
              }),
            end: () => {
              end?.();
              resolve();
            },
          });
          call.once('cancelled', () => {
            end();
            resolve();
          });
        }),
      guard,
    ),
    Connect: unary<ConnectRequest__Output, ConnectResponse>(
      'PeerService/Connect',
      metrics,
      (req, call) =>
        nat.handleConnect(
          {
            target: req.target,
            token: Buffer.from(req.token).toString('hex'),
            port: req.port,
            relay: req.relay,
            punchPort: req.punchPort,
          },
          callerOf(call, core.wire),
        ),
      guard,
    ),
  };
}
