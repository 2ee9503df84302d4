/**
 * Stream plumbing of one copy: peek at the first bytes of a body without losing them, meter and
 * throttle the bytes read, and cut a byte stream into parts of a fixed size.
 * @module
 */
import { Readable } from 'node:stream';

/** Reads at least `n` bytes (fewer if the body is shorter; often more: whole chunks) and gives back a body that still holds them. */
export async function peekBody(
  body: Readable,
  n: number,
): Promise<{ first: Buffer; body: AsyncIterable<Buffer> }> {
  const it = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const next = await it.next();
    if (next.done === true) {
      done = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    head.push(chunk);
    length += chunk.length;
  }
  const first = head.length === 1 ? head[0]! : Buffer.concat(head);
  async function* rest(): AsyncIterable<Buffer> {
    for (const chunk of head) {
      yield chunk;
    }
    if (done) {
      return;
    }
    for (;;) {
      const next = await it.next();
      if (next.done === true) {
        return;
      }
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    }
  }
  return { first, body: rest() };
}

/** Cuts a byte stream into parts of exactly `partSize` bytes (the last may be shorter), using two reusable buffers. */
export async function* cutParts(source: AsyncIterable<Buffer>, partSize: number): AsyncIterable<Buffer> {
  // Two buffers alternate: the consumer must be done with a part before it asks for the part after next.
  const buffers = [Buffer.allocUnsafe(partSize), Buffer.allocUnsafe(partSize)];
  let which = 0;
  let buf = buffers[0]!;
  let fill = 0;
  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(chunk.length - at, partSize - fill);
      chunk.copy(buf, fill, at, at + take);
      fill += take;
      at += take;
      if (fill === partSize) {
        yield buf;
        which ^= 1;
        buf = buffers[which]!;
        fill = 0;
      }
    }
  }
  if (fill > 0) {
    yield buf.subarray(0, fill);
  }
}

/** A Readable over an async iterable of buffers (byte mode). */
export function readableOf(source: AsyncIterable<Buffer>): Readable {
  return Readable.from(source, { objectMode: false });
}
