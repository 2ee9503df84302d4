import { PassThrough, Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readChunks } from './read-chunks.js';

describe('readChunks', () => {
  it('hands over the pushed buffers themselves, never joined, even when many are buffered', async () => {
    const source = new PassThrough({ highWaterMark: 1024 * 1024 });
    const pushed = Array.from({ length: 40 }, (_, i) => Buffer.alloc(1000, i));
    for (const b of pushed) {
      source.write(b);
    }
    source.end();
    const got: unknown[] = [];
    for await (const chunk of readChunks(source)) {
      got.push(chunk);
      await tick();
    }
    expect(got.length).toBe(pushed.length);
    got.forEach((chunk, i) => expect(chunk).toBe(pushed[i]));
  });

  it('pauses a fast source while the consumer is behind (backpressure)', async () => {
    let produced = 0;
    const source = new Readable({
      highWaterMark: 1,
      read() {
        this.push(produced < 1000 ? Buffer.alloc(10, produced++ % 256) : null);
      },
    });
    const iterator = readChunks(source);
    await iterator.next();
    await tick();
    await tick();
    // One chunk consumed: the source ran ahead by at most the waiting room and its own buffer.
    expect(produced).toBeLessThan(40);
    let count = 1;
    for await (const _ of { [Symbol.asyncIterator]: () => iterator }) {
      count++;
    }
    expect(count).toBe(1000);
  });

  it("throws the source's error after the chunks before it", async () => {
    const source = new PassThrough();
    source.write(Buffer.from('a'));
    const got: string[] = [];
    const run = (async () => {
      for await (const chunk of readChunks(source)) {
        got.push(String(chunk));
        source.destroy(new Error('disk gone'));
      }
    })();
    await expect(run).rejects.toThrow('disk gone');
    expect(got).toEqual(['a']);
  });

  it('throws when the source is closed before it ended', async () => {
    const source = new PassThrough();
    setTimeout(() => source.destroy(), 5);
    const run = (async () => {
      for await (const _ of readChunks(source)) {
        // nothing arrives
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('reads a source that was paused before it was handed over, and object-mode sources', async () => {
    const paused = new PassThrough();
    paused.pause();
    paused.end('xyz');
    const chunks: unknown[] = [];
    for await (const c of readChunks(paused)) {
      chunks.push(String(c));
    }
    expect(chunks.join('')).toBe('xyz');
    const objects = Readable.from(['a', 'b', 'c']);
    const out: unknown[] = [];
    for await (const c of readChunks(objects)) {
      out.push(c);
    }
    expect(out).toEqual(['a', 'b', 'c']);
  });
});
