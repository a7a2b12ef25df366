// What the index knows about one shared file.

export interface FileEntry {
  /** Lowercase hex SHA-256 of the content: the file's identity. */
  sha256: string;
  /** Every relative POSIX path with this content, sorted. */
  names: string[];
  size: number;
  /** Newest mtime among the names. */
  mtimeMs: number;
  chunkSize: number;
  /** Hex SHA-256 of each chunk; one empty-content chunk hash for an empty file is not kept. */
  chunkHashes: string[];
}

export interface ListQuery {
  /** Keywords; every term must match a name (case- and accent-insensitive). Empty: all. */
  query?: string;
  /** Page size, 1..1000; default 50. */
  limit?: number;
  offset?: number;
}

export interface ListResult {
  files: FileEntry[];
  /** Matches before paging. */
  total: number;
}

export interface IndexStats {
  files: number;
  bytes: number;
  /** A scan is running. */
  indexing: boolean;
}
