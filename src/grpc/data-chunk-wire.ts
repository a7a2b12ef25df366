// DataChunk messages built in place: file bytes are read into a buffer with
// room in front, the protobuf header is written into that room, and the
// serializer hands the bytes to grpc-js as they are, instead of encoding the
// megabyte into a fresh copy first. Any other DataChunk is encoded normally.
import type { ServiceDefinition } from '@grpc/grpc-js';

/** Room in front of the data for the header: 2 tags, a 64-bit varint, a 32-bit varint. */
export const HEADER_ROOM = 16;

/** A DataChunk whose wire bytes are ready. */
export class EncodedDataChunk {
  constructor(readonly wire: Buffer) {}
}

/**
 * Writes the header of DataChunk{offset, data} before the `length` data bytes
 * that sit at `buffer[HEADER_ROOM...]`, and returns the message's bytes.
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
  return new EncodedDataChunk(buffer.subarray(start, HEADER_ROOM + length));
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
