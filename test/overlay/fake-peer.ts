// A test double speaking PeerService: it joins like a peer and answers pings,
// but its other behavior is whatever the test needs (a Search that never
// answers, a foreign protocol version, ...).
import { bindLoopback } from '../fixtures/grpc.js';
import { strangerServerCredentials } from '../fixtures/stranger.js';
import {
  Server,
  status,
  type ServiceError,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadProto } from '../../src/grpc/proto.js';
import type { PeerInfo } from '../../src/generated/p2p/v1/PeerInfo.js';

export interface FakePeerOptions {
  id?: string;
  protocolVersion?: number;
  /** Search never answers (the call hangs until the caller gives up). */
  hangOnSearch?: boolean;
  /** Answers GetRoutes at once with this (a hostile table); absent: UNIMPLEMENTED. */
  routes?: (request: { haveVersion?: number }) => unknown;
  /** GetRoutes never answers (each call hangs until the caller gives up). */
  hangOnRoutes?: boolean;
  /** Files it answers every Search with (one hit each, itself as the holder). */
  files?: { sha256: string; name: string; size: number }[];
}

export interface FakePeer {
  address: string;
  /** Method names in call order. */
  calls: string[];
  /** Search requests received, as decoded, in order. */
  searches: Record<string, unknown>[];
  /** Active Search calls, so a test can see hanging ones end. */
  openSearches: Set<ServerWritableStream<unknown, unknown>>;
  /** force: cut every connection at once, as a crash would. */
  stop(force?: boolean): Promise<void>;
}

export async function startFakePeer(options: FakePeerOptions = {}): Promise<FakePeer> {
  const { proto } = loadProto();
  const server = new Server();
  const calls: string[] = [];
  const searches: Record<string, unknown>[] = [];
  const openSearches = new Set<ServerWritableStream<unknown, unknown>>();
  let address = '';
  const me = (): PeerInfo => ({
    id: options.id ?? 'fake',
    address,
    protocolVersion: options.protocolVersion ?? 1,
    version: 'fake',
  });
  const unary =
    <Req>(name: string, answer: (request: Req) => unknown) =>
    (call: { request: Req }, callback: (err: null, value: unknown) => void) => {
      calls.push(name);
      callback(null, answer(call.request));
    };
  const handlers: UntypedServiceImplementation = {
    Join: unary('Join', () => ({ accepted: true, reason: '', peer: me(), peers: [] })),
    Leave: unary('Leave', () => ({})),
    Ping: unary('Ping', () => ({ peer: me(), sentAtMs: 0 })),
    GetPeers: unary('GetPeers', () => ({ peers: [] })),
    GetRoutes: options.routes
      ? unary('GetRoutes', options.routes)
      : (_call: unknown, callback: (err: Partial<ServiceError>) => void) => {
          calls.push('GetRoutes');
          if (!options.hangOnRoutes) callback({ code: status.UNIMPLEMENTED, details: 'no tables' });
        },
    Search: (call: ServerWritableStream<unknown, unknown>) => {
      calls.push('Search');
      searches.push(call.request as Record<string, unknown>);
      openSearches.add(call);
      const done = (): boolean => openSearches.delete(call);
      call.on('cancelled', done);
      call.on('close', done);
      if (!options.hangOnSearch) {
        const { queryId } = call.request as { queryId: string };
        for (const f of options.files ?? []) {
          call.write({
            queryId,
            peer: me(),
            file: { sha256: f.sha256, names: [f.name], size: f.size },
            hops: 0,
          });
        }
        done();
        call.end();
      }
    },
  };
  server.addService(proto.p2p.v1.PeerService.service, handlers);
  address = await bindLoopback(server, strangerServerCredentials());
  return {
    address,
    calls,
    searches,
    openSearches,
    stop: (force = false) =>
      new Promise<void>((resolve) => {
        if (force) {
          server.forceShutdown();
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
