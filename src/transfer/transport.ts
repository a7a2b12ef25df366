// How the transfer core talks to other peers. Implemented over gRPC in
// src/grpc/peer-transport.ts; tests may pass their own.

/** A file's metadata as a remote peer reports it (untrusted until checked). */
export interface RemoteFileInfo {
  sha256: string;
  names: string[];
  size: number;
  chunkSize: number;
  chunkHashes: string[];
  /** Set by a peer still fetching the file: the chunks it has verified (ChunkMap bytes, unchecked). */
  have?: Uint8Array;
  /** Other fetchers of the file the peer knows of (host:port, unchecked). */
  holders?: string[];
  /** Chunks the peer says it sent to fetchers lately (ChunkMap bytes, unchecked); empty: none. */
  sent?: Uint8Array;
}

/** What a fetch tells a source when it asks for metadata. */
export interface GetFileOptions extends CallOptions {
  /** This peer's advertised address: the source may hand it to other fetchers. */
  fetcher?: string;
  /** Leave the chunk hashes out (a refresh of a source's have-map). */
  omitHashes?: boolean;
}

/** Bytes of a file starting at `offset`. */
export interface DataPiece {
  offset: number;
  /** Lent: valid only until the iterator that gave it is resumed (copy what you keep). */
  data: Buffer;
}

export interface CallOptions {
  /** Cancels the call. */
  signal: AbortSignal;
  /** Deadline of the whole call, ms from now. */
  timeoutMs: number;
}

export interface UploadHeader {
  name: string;
  size: number;
  sha256: string;
  sender: { id: string; address: string };
}

export interface UploadResult {
  /** Name the receiver stored the file under, inside its share. */
  storedAs: string;
  sha256: string;
  size: number;
}

export interface PeerTransport {
  /** File metadata with chunk hashes. Rejects with P2pErrors (NotFoundError, UnavailableError, ...). */
  getFile(address: string, sha256: string, options: GetFileOptions): Promise<RemoteFileInfo>;
  /**
   * Bytes [offset, offset + length) in order, in batches of pieces as they
   * arrive; the iterator rejects on failure.
   */
  download(
    address: string,
    request: { sha256: string; offset: number; length: number },
    options: CallOptions,
  ): AsyncIterable<readonly DataPiece[]>;
  /** Sends a header then the data; resolves with the receiver's answer. */
  upload(
    address: string,
    header: UploadHeader,
    data: AsyncIterable<Buffer>,
    options: CallOptions,
  ): Promise<UploadResult>;
  /** Closes every connection. */
  close(): void;
}
