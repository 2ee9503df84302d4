/**
 * A streaming scanner for `.json` files: one or more top-level JSON values, typically a single FHIR
 * resource or a Bundle. It counts brackets and tracks strings byte by byte — it never builds the
 * document — so a Bundle of any size is cut into its `entry` elements with memory bounded by the
 * largest entry. Everything else (a single resource, several concatenated values) is passed whole.
 *
 * A Bundle is streamed when its `resourceType` comes before its `entry` array, as every FHIR
 * serializer writes it; otherwise it is passed whole and so bounded by the record size limit.
 * @module
 */
import { ByteCollector, withoutBom, type RecordSink } from './raw-record.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;

/** Calls `sink` for each Bundle entry, each other top-level value, and each stretch of non-JSON bytes. */
export async function scanJson(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  sink: RecordSink,
  maxRecordBytes: number,
  signal?: AbortSignal,
): Promise<void> {
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;

  // The current top-level value.
  let topActive = false;
  let topCollecting = false;
  let topStart = 0;
  let topLine = 0;
  let topOffset = 0;
  const top = new ByteCollector(maxRecordBytes);

  // Strings directly inside the top-level object: its keys and short values.
  let capturing = false;
  let capStart = 0;
  let capParts: Buffer[] = [];
  let pendingString: string | undefined;
  let currentKey: string | undefined;
  let resourceType: string | undefined;

  // Bundle entries.
  let entriesMode = false;
  let elemActive = false;
  let elemStart = 0;
  let elemLine = 0;
  let elemOffset = 0;
  let entryIndex = 0;
  const elem = new ByteCollector(maxRecordBytes);

  // Bytes that are not JSON between values.
  let garbageActive = false;
  let garbageStart = 0;
  let garbageLine = 0;
  let garbageOffset = 0;
  let base = 0;
  const garbage = new ByteCollector(maxRecordBytes);

  const queue: Parameters<RecordSink>[0][] = [];

  for await (const chunk of withoutBom(chunks)) {
    signal?.throwIfAborted();
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      if (garbageActive) {
        if (b === LF) {
          garbage.add(chunk.subarray(garbageStart, i));
          const { bytes, tooLarge } = garbage.take();
          queue.push({
            line: garbageLine,
            offset: garbageOffset,
            bytes,
            kind: 'garbage',
            ...(tooLarge ? { tooLarge } : {}),
          });
          garbageActive = false;
          line++;
        }
        continue;
      }
      if (inString) {
        // Most bytes of FHIR JSON are inside strings: jump to the next quote natively, then look at
        // the backslashes before it to tell an escaped quote from the closing one.
        const start = escaped ? i + 1 : i;
        escaped = false;
        let q = chunk.indexOf(QUOTE, start);
        while (q !== -1) {
          let k = q - 1;
          while (k >= start && chunk[k] === BACKSLASH) {
            k--;
          }
          if ((q - 1 - k) % 2 === 0) {
            break;
          }
          q = chunk.indexOf(QUOTE, q + 1);
        }
        if (q === -1) {
          let k = n - 1;
          while (k >= start && chunk[k] === BACKSLASH) {
            k--;
          }
          escaped = (n - 1 - k) % 2 === 1;
          break;
        }
        i = q;
        inString = false;
        if (capturing) {
          capturing = false;
          capParts.push(chunk.subarray(capStart, i));
          pendingString =
            capParts.length === 1 ? capParts[0]!.toString('utf8') : Buffer.concat(capParts).toString('utf8');
          capParts = [];
        }
        continue;
      }
      switch (b) {
        case LF:
          line++;
          break;
        case 0x20:
        case 0x09:
        case 0x0d:
          break;
        case QUOTE:
          if (depth === 0) {
            garbageActive = true;
            garbageStart = i;
            garbageLine = line;
            garbageOffset = base + i;
            break;
          }
          inString = true;
          if (depth === 1) {
            capturing = true;
            capStart = i + 1;
          }
          break;
        case 0x3a /* : */:
          if (depth === 1 && pendingString !== undefined) {
            currentKey = pendingString;
            pendingString = undefined;
          }
          break;
        case 0x2c /* , */:
          if (depth === 1) {
            if (pendingString !== undefined && currentKey === 'resourceType') {
              resourceType = pendingString;
            }
            pendingString = undefined;
            currentKey = undefined;
          }
          break;
        case 0x7b /* { */:
        case 0x5b /* [ */:
          if (depth === 0) {
            topActive = true;
            topCollecting = true;
            topStart = i;
            topLine = line;
            topOffset = base + i;
            resourceType = undefined;
            currentKey = undefined;
            pendingString = undefined;
            entriesMode = false;
            entryIndex = 0;
          } else if (depth === 1 && b === 0x5b && currentKey === 'entry' && resourceType === 'Bundle') {
            entriesMode = true;
            topCollecting = false;
            top.take();
          } else if (entriesMode && depth === 2 && b === 0x7b) {
            elemActive = true;
            elemStart = i;
            elemLine = line;
            elemOffset = base + i;
          }
          depth++;
          break;
        case 0x7d /* } */:
        case 0x5d /* ] */:
          if (depth === 0) {
            garbageActive = true;
            garbageStart = i;
            garbageLine = line;
            garbageOffset = base + i;
            break;
          }
          if (depth === 1 && pendingString !== undefined && currentKey === 'resourceType') {
            resourceType = pendingString;
          }
          if (depth === 1) {
            pendingString = undefined;
            currentKey = undefined;
          }
          depth--;
          if (entriesMode && depth === 2 && elemActive) {
            elemActive = false;
            elem.add(chunk.subarray(elemStart, i + 1));
            const { bytes, tooLarge } = elem.take();
            queue.push({
              line: elemLine,
              offset: elemOffset,
              entry: entryIndex++,
              bytes,
              kind: 'entry',
              ...(tooLarge ? { tooLarge } : {}),
            });
          } else if (entriesMode && depth === 1) {
            entriesMode = false;
          } else if (depth === 0) {
            topActive = false;
            if (topCollecting) {
              top.add(chunk.subarray(topStart, i + 1));
              const { bytes, tooLarge } = top.take();
              queue.push({
                line: topLine,
                offset: topOffset,
                bytes,
                kind: 'value',
                ...(tooLarge ? { tooLarge } : {}),
              });
            }
            topCollecting = false;
          }
          break;
        default:
          if (depth === 0) {
            garbageActive = true;
            garbageStart = i;
            garbageLine = line;
            garbageOffset = base + i;
          }
      }
      if (queue.length > 0) {
        for (const rec of queue) {
          const done = sink(rec);
          if (done) {
            await done;
          }
        }
        queue.length = 0;
      }
    }
    for (const rec of queue) {
      const done = sink(rec);
      if (done) {
        await done;
      }
    }
    queue.length = 0;
    base += n;
    // Carry the open slices over to the next chunk.
    if (garbageActive) {
      garbage.add(chunk.subarray(garbageStart), true);
      garbageStart = 0;
    }
    if (capturing) {
      capParts.push(Buffer.from(chunk.subarray(capStart)));
      capStart = 0;
    }
    if (elemActive) {
      elem.add(chunk.subarray(elemStart), true);
      elemStart = 0;
    }
    if (topActive && topCollecting) {
      top.add(chunk.subarray(topStart), true);
      topStart = 0;
    }
  }

  const finish: Parameters<RecordSink>[0][] = [];
  if (garbageActive) {
    const { bytes, tooLarge } = garbage.take();
    finish.push({
      line: garbageLine,
      offset: garbageOffset,
      bytes,
      kind: 'garbage',
      ...(tooLarge ? { tooLarge } : {}),
    });
  }
  if (elemActive) {
    const { bytes, tooLarge } = elem.take();
    finish.push({
      line: elemLine,
      offset: elemOffset,
      entry: entryIndex,
      bytes,
      kind: 'truncated',
      ...(tooLarge ? { tooLarge } : {}),
    });
  }
  if (topActive) {
    const { bytes, tooLarge } = top.take();
    finish.push({
      line: topLine,
      offset: topOffset,
      bytes,
      kind: 'truncated',
      ...(resourceType !== undefined ? { resourceType } : {}),
      ...(tooLarge ? { tooLarge } : {}),
    });
  }
  for (const rec of finish) {
    const done = sink(rec);
    if (done) {
      await done;
    }
  }
}
