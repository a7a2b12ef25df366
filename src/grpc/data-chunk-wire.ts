// DataChunk messages built in place: file bytes are read into a buffer with
// room in front, and the protobuf header and the gRPC message prefix are
// written into that room. The bytes go to the HTTP/2 stream as they are
// (see download-stream.ts) or, where that stream cannot be reached, through
// the serializer below, instead of encoding the megabyte into a fresh copy
// first. Any other DataChunk is encoded normally.
import type { ServiceDefinition } from '@grpc/grpc-js';

/** The gRPC message prefix: a compression flag and a 32-bit big-endian length. */
const PREFIX_BYTES = 5;

/** Room in front of the data: the gRPC prefix, 2 tags, a 64-bit varint, a 32-bit varint. */
export const HEADER_ROOM = PREFIX_BYTES + 16;

/** A DataChunk whose wire bytes are ready. */
export class EncodedDataChunk {
  constructor(
    /** The message as a gRPC stream carries it: prefix, then message. */
    readonly framed: Buffer,
  ) {}

  /** The protobuf message. */
  get wire(): Buffer {
    return this.framed.subarray(PREFIX_BYTES);
  }
}

/**
 * Writes the header of DataChunk{offset, data} and its gRPC prefix before the
 * `length` data bytes that sit at `buffer[HEADER_ROOM...]`.
 */
export function encodeInPlace(buffer: Buffer, offset: number, length: number): EncodedDataChunk {
  const header: number[] = [];
  if (offset > 0) {
    header.push(0x08); // field 1, varint
    pushVarint(header, offset);
  }
  header.push(0x12); // field 2, length-delimited
  pushVarint(header, length);
  const start = HEADER_ROOM - header.length;
  for (let i = 0; i < header.length; i++) buffer[start + i] = header[i]!;
  const end = HEADER_ROOM + length;
  buffer[start - PREFIX_BYTES] = 0; // not compressed
  buffer.writeUInt32BE(end - start, start - PREFIX_BYTES + 1);
  return new EncodedDataChunk(buffer.subarray(start - PREFIX_BYTES, end));
}

/** A protobuf varint; safe integers only. */
export function pushVarint(out: number[], value: number): void {
  // Safe integers only: division, not bit operations, past 2^31.
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** The service definition with a Download serializer that passes encoded chunks through. */
export function withEncodedDataChunks(service: ServiceDefinition): ServiceDefinition {
  const download = service.Download;
  if (!download) return service;
  const encode = download.responseSerialize;
  return {
    ...service,
    Download: {
      ...download,
      responseSerialize: (value: unknown) =>
        value instanceof EncodedDataChunk ? value.wire : encode(value),
    },
  };
}
