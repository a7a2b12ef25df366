// The one place the .proto is loaded, with the options the generated types
// were made with (see `npm run gen:proto`).
import { loadPackageDefinition, type GrpcObject } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType } from '../generated/p2p.js';

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
