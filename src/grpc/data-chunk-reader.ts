// The response body of PeerService.Download read as it arrives: gRPC
// length-prefixed messages, each a DataChunk{offset, data}, cut into pieces
// of file data that are views of the network's buffers (no copy, nothing
// allocated per megabyte). The source is a stranger: a compressed or
// oversized message, a field of the wrong type or data before its offset is
// a protocol fault, never a crash.

/** A piece of file data; `data` is a view of a network buffer, valid until the next read. */
export interface ReadPiece {
  offset: number;
  data: Buffer;
}

/** The source broke the wire format. */
export class WireFormatError extends Error {}

const enum State {
  /** The 5-byte gRPC prefix: compressed flag and message length. */
  Prefix,
  /** A field's tag (varint). */
  Tag,
  /** Field 1, offset (varint). */
  Offset,
  /** Field 2's length (varint). */
  DataLength,
  /** Field 2's bytes. */
  Data,
  /** An unknown field's varint. */
  SkipVarint,
  /** An unknown length-delimited field's length, then its bytes. */
  SkipLength,
  SkipBytes,
}

export class DataChunkReader {
  private state = State.Prefix;
  private readonly prefix = Buffer.alloc(5);
  private prefixFill = 0;
  /** Bytes left of the current message. */
  private messageLeft = 0;
  /** Bytes left of the current field's payload (data or skipped bytes). */
  private fieldLeft = 0;
  private varint = 0;
  private varintScale = 1;
  private varintBytes = 0;
  private offset = 0;
  /** Data of this message so far: an offset field after it is refused. */
  private sawData = false;
  /** File position of the next data byte. */
  private position = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Whether the stream stopped between messages (a clean end). */
  get atMessageBoundary(): boolean {
    return this.state === State.Prefix && this.prefixFill === 0;
  }

  /** Parses `buffer`; calls `onPiece` for each run of file data in it. */
  read(buffer: Buffer, onPiece: (piece: ReadPiece) => void): void {
    let at = 0;
    while (at < buffer.length) {
      if (this.state === State.Prefix) {
        const n = Math.min(5 - this.prefixFill, buffer.length - at);
        buffer.copy(this.prefix, this.prefixFill, at, at + n);
        this.prefixFill += n;
        at += n;
        if (this.prefixFill < 5) return;
        this.prefixFill = 0;
        if (this.prefix[0] !== 0) throw new WireFormatError('sent a compressed message');
        this.messageLeft = this.prefix.readUInt32BE(1);
        if (this.messageLeft > this.maxMessageBytes) {
          throw new WireFormatError(`sent a ${this.messageLeft}-byte message`);
        }
        this.offset = 0;
        this.sawData = false;
        this.state = State.Tag;
        this.startVarint();
        continue;
      }
      if (this.messageLeft === 0) {
        // A message ends only between fields.
        if (this.state !== State.Tag || this.varintBytes > 0) {
          throw new WireFormatError('sent a message that ends inside a field');
        }
        this.state = State.Prefix;
        continue;
      }
      if (this.state === State.Data || this.state === State.SkipBytes) {
        const n = Math.min(this.fieldLeft, this.messageLeft, buffer.length - at);
        if (this.state === State.Data && n > 0) {
          onPiece({ offset: this.position, data: buffer.subarray(at, at + n) });
          this.position += n;
        }
        at += n;
        this.fieldLeft -= n;
        this.messageLeft -= n;
        if (this.fieldLeft === 0) this.nextField();
        continue;
      }
      // A varint, one byte at a time (they are a few bytes per megabyte).
      const byte = buffer[at++]!;
      this.messageLeft--;
      if (!this.pushVarintByte(byte)) continue;
      this.onVarint(this.varint);
    }
    if (this.messageLeft === 0 && this.state === State.Tag && this.varintBytes === 0) {
      this.state = State.Prefix;
    }
  }

  private onVarint(value: number): void {
    switch (this.state) {
      case State.Tag: {
        const field = Math.floor(value / 8);
        const wire = value % 8;
        if (field === 1 && wire === 0) {
          if (this.sawData) throw new WireFormatError('sent an offset after its data');
          this.state = State.Offset;
        } else if (field === 2 && wire === 2) {
          this.state = State.DataLength;
        } else if (wire === 0) {
          this.state = State.SkipVarint;
        } else if (wire === 2) {
          this.state = State.SkipLength;
        } else {
          throw new WireFormatError(`sent field ${field} with wire type ${wire}`);
        }
        this.startVarint();
        return;
      }
      case State.Offset:
        this.offset = value;
        return this.nextField();
      case State.DataLength:
        if (value > this.messageLeft)
          throw new WireFormatError('sent data longer than its message');
        this.sawData = true;
        this.position = this.offset;
        this.fieldLeft = value;
        this.state = State.Data;
        if (value === 0) this.nextField();
        return;
      case State.SkipLength:
        if (value > this.messageLeft)
          throw new WireFormatError('sent a field longer than its message');
        this.fieldLeft = value;
        this.state = State.SkipBytes;
        if (value === 0) this.nextField();
        return;
      default:
        return this.nextField();
    }
  }

  private nextField(): void {
    this.state = State.Tag;
    this.startVarint();
  }

  private startVarint(): void {
    this.varint = 0;
    this.varintScale = 1;
    this.varintBytes = 0;
  }

  /** True once the varint is complete. Safe integers only, as offsets are. */
  private pushVarintByte(byte: number): boolean {
    this.varint += (byte & 0x7f) * this.varintScale;
    this.varintScale *= 0x80;
    this.varintBytes++;
    if (!Number.isSafeInteger(this.varint) || this.varintBytes > 8) {
      throw new WireFormatError('sent a number too large for a file offset');
    }
    if (byte & 0x80) return false;
    this.varintBytes = 0;
    return true;
  }
}
