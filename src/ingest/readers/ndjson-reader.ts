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

  // Not async: most sinks finish synchronously and an await per line would cost a microtask each.
  const emit = (bytes: Buffer, tooLarge: boolean, lineNo: number): void | Promise<void> => {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 13) end--;
    const body = end === bytes.length ? bytes : bytes.subarray(0, end);
    if (!tooLarge && isBlank(body)) return;
    return sink(
      tooLarge
        ? { line: lineNo, bytes: body, kind: 'value', tooLarge }
        : { line: lineNo, bytes: body, kind: 'value' },
    );
  };

  for await (const chunk of withoutBom(chunks)) {
    signal?.throwIfAborted();
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        pending.add(chunk.subarray(start));
        break;
      }
      line++;
      if (pending.length > 0 || pending.tooLarge) {
        pending.add(chunk.subarray(start, nl));
        const { bytes, tooLarge } = pending.take();
        const done = emit(bytes, tooLarge, line);
        if (done) await done;
      } else {
        const tooLarge = nl - start > maxRecordBytes;
        const done = emit(chunk.subarray(start, tooLarge ? start + maxRecordBytes : nl), tooLarge, line);
        if (done) await done;
      }
      start = nl + 1;
    }
  }
  if (pending.length > 0 || pending.tooLarge) {
    const { bytes, tooLarge } = pending.take();
    const done = emit(bytes, tooLarge, line + 1);
    if (done) await done;
  }
}
