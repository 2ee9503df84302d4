/**
 * NDJSON (Bulk Data layout): one record per line. Lines are found with `Buffer.indexOf`, so a line is
 * never decoded before the pipeline asks for it, and memory holds at most one chunk plus one line.
 * A malformed line cannot disturb the next one: each line is its own record.
 * @module
 */
import { ByteCollector, withoutBom, isBlank, type RecordSink } from './raw-record.js';

/**
 * Calls `sink` for each non-blank line of `chunks`. A line longer than `maxRecordBytes` is passed with
 * `tooLarge` set and only its first `maxRecordBytes` bytes.
 */
export async function readNdjson(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  sink: RecordSink,
  maxRecordBytes: number,
  signal?: AbortSignal,
): Promise<void> {
  const pending = new ByteCollector(maxRecordBytes);
  let line = 0;
  let base = 0;
  let pendingOffset = 0;

  // Not async: most sinks finish synchronously and an await per line would cost a microtask each.
  const emit = (bytes: Buffer, tooLarge: boolean, lineNo: number, offset: number): void | Promise<void> => {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 13) {
      end--;
    }
    const body = end === bytes.length ? bytes : bytes.subarray(0, end);
    if (!tooLarge && isBlank(body)) {
      return;
    }
    return sink(
      tooLarge
        ? { line: lineNo, offset, bytes: body, kind: 'value', tooLarge }
        : { line: lineNo, offset, bytes: body, kind: 'value' },
    );
  };

  for await (const chunk of withoutBom(chunks)) {
    signal?.throwIfAborted();
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        if (pending.length === 0 && !pending.tooLarge) {
          pendingOffset = base + start;
        }
        pending.add(chunk.subarray(start), true);
        break;
      }
      line++;
      let done: void | Promise<void>;
      if (pending.length > 0 || pending.tooLarge) {
        pending.add(chunk.subarray(start, nl));
        const { bytes, tooLarge } = pending.take();
        done = emit(bytes, tooLarge, line, pendingOffset);
      } else {
        const tooLarge = nl - start > maxRecordBytes;
        done = emit(
          chunk.subarray(start, tooLarge ? start + maxRecordBytes : nl),
          tooLarge,
          line,
          base + start,
        );
      }
      if (done) {
        await done;
      }
      start = nl + 1;
    }
    base += chunk.length;
  }
  if (pending.length > 0 || pending.tooLarge) {
    const { bytes, tooLarge } = pending.take();
    const done = emit(bytes, tooLarge, line + 1, pendingOffset);
    if (done) {
      await done;
    }
  }
}

/**
 * Calls `sink` only for the lines containing `mark` — found with `Buffer.indexOf` over whole chunks,
 * so the lines without it cost nothing but the search. Line numbers are not counted (`line` is 0);
 * offsets are the same as {@link readNdjson} gives. Lines over `maxRecordBytes` are skipped.
 */
export async function findNdjsonLines(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  mark: Buffer,
  sink: RecordSink,
  maxRecordBytes: number,
  signal?: AbortSignal,
): Promise<void> {
  let carry: Buffer | undefined;
  let carryOffset = 0;
  let base = 0;
  let skipping = false;

  /** Passes the marked lines among the complete lines of `data` (which starts at a line start). */
  const scan = async (data: Buffer, dataOffset: number, complete: number): Promise<void> => {
    let pos = data.indexOf(mark);
    while (pos !== -1 && pos < complete) {
      const start = data.lastIndexOf(10, pos) + 1;
      const nl = data.indexOf(10, pos);
      const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
      if (end - start <= maxRecordBytes) {
        const done = sink({
          line: 0,
          offset: dataOffset + start,
          bytes: data.subarray(start, end),
          kind: 'value',
        });
        if (done) {
          await done;
        }
      }
      pos = data.indexOf(mark, nl + 1);
    }
  };

  for await (const chunk of withoutBom(chunks)) {
    signal?.throwIfAborted();
    let data = chunk;
    let dataOffset = base;
    base += chunk.length;
    if (skipping || carry !== undefined) {
      const nl = data.indexOf(10);
      if (nl === -1) {
        // The line goes on past this chunk too.
        if (carry !== undefined) {
          if (carry.length + data.length > maxRecordBytes) {
            carry = undefined;
            skipping = true;
          } else {
            carry = Buffer.concat([carry, data]);
          }
        }
        continue;
      }
      if (carry !== undefined) {
        // Only the line that straddles the chunks is copied, never the rest of the chunk.
        const line = Buffer.concat([carry, data.subarray(0, nl + 1)]);
        await scan(line, carryOffset, line.length);
        carry = undefined;
      }
      skipping = false;
      data = data.subarray(nl + 1);
      dataOffset += nl + 1;
    }
    const complete = data.lastIndexOf(10) + 1;
    await scan(data, dataOffset, complete);
    const tail = data.subarray(complete);
    if (tail.length > maxRecordBytes) {
      skipping = true;
    } else if (tail.length > 0) {
      carry = Buffer.from(tail);
      carryOffset = dataOffset + complete;
    }
  }
  if (carry !== undefined && carry.indexOf(mark) !== -1) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    const done = sink({ line: 0, offset: carryOffset, bytes: carry.subarray(0, end), kind: 'value' });
    if (done) {
      await done;
    }
  }
}
