// The one place the .proto is loaded, with the options the generated types
// were made with (see `npm run gen:proto`).
import { loadPackageDefinition, type GrpcObject } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { protoPath as HEALTH_PROTO } from 'grpc-health-check';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType } from '../generated/p2p.js';
import type { ServedProto } from './reflection-descriptors.js';

export const PROTO_FILE = fileURLToPath(
  new URL('../../../proto/p2p/v1/p2p.proto', import.meta.url),
);

/** Bumped when the peer wire changes incompatibly; peers refuse other versions. */
export const PROTOCOL_VERSION = 1;

export const LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

let cached: { definition: PackageDefinition; proto: ProtoGrpcType } | undefined;

/** The parsed package definition (reflection needs it) and typed constructors. */
export function loadProto(): { definition: PackageDefinition; proto: ProtoGrpcType } {
  if (!cached) {
    const definition = loadSync(PROTO_FILE, LOADER_OPTIONS);
    const proto = loadPackageDefinition(definition) as GrpcObject as unknown as ProtoGrpcType;
    cached = { definition, proto };
  }
  return cached;
}

/** Where @grpc/reflection keeps the reflection protos it serves. */
export const REFLECTION_PROTO_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection/package.json')),
  'build/proto',
);

/**
 * Everything the server exposes through reflection, under the names importers
 * use: our services, health and reflection itself, so `grpcurl list` shows
 * what is really served.
 */
export function servedProtos(): ServedProto[] {
  return [
    { name: 'p2p/v1/p2p.proto', path: PROTO_FILE },
    { name: 'grpc/health/v1/health.proto', path: HEALTH_PROTO },
    ...['v1', 'v1alpha'].map((v) => ({
      name: `grpc/reflection/${v}/reflection.proto`,
      path: join(REFLECTION_PROTO_DIR, `grpc/reflection/${v}/reflection.proto`),
    })),
  ];
}
