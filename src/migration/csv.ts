/**
 * A streaming CSV reader (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes, CRLF
 * or LF). It yields one record at a time and never holds more than one record and one read buffer.
 * @module
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface CsvRecord {
  /** 1-based line number where the record starts, for error messages. */
  readonly line: number;
  readonly fields: string[];
}

/** Parses `input` into records; a malformed quote throws an Error naming the line. */
export async function* readCsv(input: Readable): AsyncIterable<CsvRecord> {
  const decoder = new StringDecoder('utf8');
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  let pendingCr = false;
  let started = false;

  const endField = (): void => {
    fields.push(field);
    field = '';
    afterQuote = false;
  };

  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    const records: CsvRecord[] = [];
    let i = 0;
    // Strip a UTF-8 byte-order mark at the very start.
    if (!started && text.charCodeAt(0) === 0xfeff) {
      i = 1;
    }
    started = true;
    let plainStart = -1;
    const flushPlain = (end: number): void => {
      if (plainStart >= 0) {
        field += text.slice(plainStart, end);
        plainStart = -1;
      }
    };
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (pendingCr) {
        pendingCr = false;
        if (c === 10) {
          continue;
        }
      }
      if (quoted) {
        if (c === 34) {
          flushPlain(i);
          if (text.charCodeAt(i + 1) === 34) {
            field += '"';
            i++;
          } else {
            // At the end of a chunk this may be the first of a doubled pair: the next chunk decides.
            quoted = false;
            afterQuote = true;
          }
          continue;
        }
        if (c === 10) {
          line++;
        }
        if (plainStart < 0) {
          plainStart = i;
        }
        continue;
      }
      if (afterQuote && c === 34) {
        // A doubled quote split across two chunks.
        field += '"';
        quoted = true;
        afterQuote = false;
        continue;
      }
      if (c === 44) {
        flushPlain(i);
        endField();
      } else if (c === 10 || c === 13) {
        flushPlain(i);
        endField();
        records.push({ line: recordLine, fields });
        fields = [];
        line++;
        recordLine = line;
        if (c === 13) {
          pendingCr = true;
        }
      } else if (c === 34) {
        if (field.length > 0 || plainStart >= 0 || afterQuote) {
          throw new Error(`line ${line}: a quote inside an unquoted field`);
        }
        quoted = true;
      } else {
        if (afterQuote) {
          throw new Error(`line ${line}: text after a closing quote`);
        }
        if (plainStart < 0) {
          plainStart = i;
        }
      }
    }
    flushPlain(text.length);
    for (const r of records) {
      yield r;
    }
  }
  const rest = decoder.end();
  if (rest.length > 0) {
    field += rest;
  }
  if (quoted) {
    throw new Error(`line ${recordLine}: a quoted field is not closed at the end of the file`);
  }
  if (field.length > 0 || fields.length > 0) {
    endField();
    yield { line: recordLine, fields };
  }
}
