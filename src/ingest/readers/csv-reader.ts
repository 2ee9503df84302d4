/**
 * A streaming CSV reader (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes, CRLF or
 * LF), with a configurable delimiter. Each row keeps its raw text for quarantine.
 * @module
 */
import { StringDecoder } from 'node:string_decoder';

export interface CsvRow {
  /** 1-based line where the row starts. */
  readonly line: number;
  readonly fields: readonly string[];
  /** The row as it was in the file, without its line break. */
  readonly raw: string;
  /** Set when the file ended inside a quoted field. */
  readonly unterminated?: boolean;
  /** Set when the row exceeded the size limit (`raw` is then a prefix and `fields` empty). */
  readonly tooLarge?: boolean;
}

export type CsvRowSink = (row: CsvRow) => void | Promise<void>;

/** Calls `sink` for every non-empty row, header included. */
export async function readCsv(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  delimiter: string,
  sink: CsvRowSink,
  maxRecordBytes: number,
  signal?: AbortSignal,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  const delim = delimiter.charCodeAt(0);
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quoteSeen = false; // the previous char was a quote inside a quoted field
  let raw = '';
  let rawSize = 0;
  let tooLarge = false;
  let line = 1;
  let rowLine = 1;
  let first = true;

  const endRow = (): void | Promise<void> => {
    fields.push(field);
    const row: CsvRow = tooLarge
      ? { line: rowLine, fields: [], raw, tooLarge: true }
      : { line: rowLine, fields, raw };
    const empty = !tooLarge && fields.length === 1 && field === '';
    fields = [];
    field = '';
    raw = '';
    rawSize = 0;
    tooLarge = false;
    if (empty) {
      return;
    }
    return sink(row);
  };

  const consume = async (text: string): Promise<void> => {
    let segStart = 0;
    const flushRaw = (end: number): void => {
      if (tooLarge) {
        return;
      }
      rawSize += end - segStart;
      if (rawSize > maxRecordBytes) {
        tooLarge = true;
        raw += text.slice(segStart, segStart + Math.max(0, maxRecordBytes - (rawSize - (end - segStart))));
      } else {
        raw += text.slice(segStart, end);
      }
    };
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inQuotes) {
        if (quoteSeen) {
          quoteSeen = false;
          if (c === 0x22) {
            field += '"';
            continue;
          }
          inQuotes = false;
          // fall through: the char after a closing quote is handled as outside quotes
        } else if (c === 0x22) {
          quoteSeen = true;
          continue;
        } else {
          if (c === 0x0a) {
            line++;
          }
          if (!tooLarge) {
            field += text.charAt(i);
          }
          continue;
        }
      }
      if (c === 0x22 && field === '') {
        inQuotes = true;
      } else if (c === delim) {
        if (!tooLarge) {
          fields.push(field);
        }
        field = '';
      } else if (c === 0x0a) {
        let end = i;
        if (end > segStart && text.charCodeAt(end - 1) === 0x0d) {
          end--;
        }
        flushRaw(end);
        if (field.endsWith('\r')) {
          field = field.slice(0, -1);
        }
        const done = endRow();
        if (done) {
          await done;
        }
        line++;
        rowLine = line;
        segStart = i + 1;
      } else if (!tooLarge) {
        field += text.charAt(i);
      }
    }
    flushRaw(text.length);
  };

  for await (const chunk of chunks) {
    signal?.throwIfAborted();
    let text = decoder.write(chunk);
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
      }
    }
    await consume(text);
  }
  await consume(decoder.end());
  if (inQuotes && !quoteSeen) {
    fields.push(field);
    const done = sink({ line: rowLine, fields, raw, unterminated: true });
    if (done) {
      await done;
    }
    return;
  }
  if (field !== '' || fields.length > 0 || raw !== '') {
    if (field.endsWith('\r')) {
      field = field.slice(0, -1);
    }
    const done = endRow();
    if (done) {
      await done;
    }
  }
}
