/**
 * What the readers hand to the pipeline: the original bytes of one record and where it came from.
 * Readers never parse JSON themselves (except the Bundle scanner's bracket counting), so the bytes
 * quarantined are exactly the bytes received.
 * @module
 */

export interface RawRecord {
  /** 1-based line of the file where the record starts (0 when not counted). */
  readonly line: number;
  /** Byte offset of the record in the (decompressed) file: identifies it across passes. */
  readonly offset: number;
  /** 0-based index of the entry in its Bundle, for Bundle entries. */
  readonly entry?: number;
  /** The original bytes; only the first bytes when `tooLarge`. */
  readonly bytes: Buffer;
  /**
   * `value`: an NDJSON line or a whole top-level JSON value; `entry`: one element of a Bundle's
   * `entry` array; `garbage`: bytes between values that are no JSON; `truncated`: a value the file
   * ended in the middle of.
   */
  readonly kind: 'value' | 'entry' | 'garbage' | 'truncated';
  /** Set when the record exceeded the size limit (its bytes are then a prefix). */
  readonly tooLarge?: boolean;
  /** For `truncated` records of a streamed Bundle: the Bundle's resourceType was seen. */
  readonly resourceType?: string;
}

/** Receives records one at a time; a returned promise is awaited before the next record. */
export type RecordSink = (record: RawRecord) => void | Promise<void>;

/**
 * Collects byte slices up to a limit, remembering whether the limit was passed. Readers reuse their
 * read buffer, so a slice kept past the current chunk must be added with `copy`.
 */
export class ByteCollector {
  private parts: Buffer[] = [];
  private size = 0;
  private overflow = false;

  constructor(private readonly limit: number) {}

  get length(): number {
    return this.size;
  }

  get tooLarge(): boolean {
    return this.overflow;
  }

  add(part: Buffer, copy = false): void {
    if (part.length === 0) {
      return;
    }
    if (this.overflow) {
      return;
    }
    if (this.size + part.length > this.limit) {
      this.parts.push(Buffer.from(part.subarray(0, this.limit - this.size)));
      this.size = this.limit;
      this.overflow = true;
      return;
    }
    this.parts.push(copy ? Buffer.from(part) : part);
    this.size += part.length;
  }

  take(): { bytes: Buffer; tooLarge: boolean } {
    const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    const tooLarge = this.overflow;
    this.parts = [];
    this.size = 0;
    this.overflow = false;
    return { bytes, tooLarge };
  }
}

/** True when the bytes hold only JSON whitespace (space, tab, CR, LF). */
export function isBlank(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 32 && b !== 9 && b !== 13 && b !== 10) {
      return false;
    }
  }
  return true;
}

/** Removes a UTF-8 byte order mark from the start of a stream of chunks, even split across chunks. */
export async function* withoutBom(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const chunk of chunks) {
    if (head === undefined) {
      yield chunk;
      continue;
    }
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    if (head.length < 3 && head.every((b, i) => b === [0xef, 0xbb, 0xbf][i])) {
      continue;
    }
    const rest: Buffer = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
    head = undefined;
    if (rest.length > 0) {
      yield rest;
    }
  }
  if (head !== undefined && head.length > 0 && !head.every((b, i) => b === [0xef, 0xbb, 0xbf][i])) {
    yield head;
  }
}
