/**
 * Reading a stream chunk by chunk, as its producer pushed them. A Readable's own async iterator
 * reads in paused mode, where each `read()` joins every buffered chunk into one new buffer: when the
 * consumer (a disk or network write) is slower than the producer (a seal stream with a few MiB of
 * room), that is a full extra copy of the body plus large fresh allocations. Flowing mode hands
 * the chunks over unchanged; pausing the source when a few are waiting keeps backpressure.
 * @module
 */
import { finished, type Readable } from 'node:stream';

/** Chunks waiting before the source is paused (they are references, not copies). */
const MAX_WAITING = 16;

/**
 * Yields the chunks of `source` in order; throws the source's error, or a premature-close error
 * when it is destroyed before it ends (as the stream's own iterator does).
 */
export async function* readChunks(source: Readable): AsyncGenerator {
  const waiting: unknown[] = [];
  let next = 0;
  let ended = false;
  let failure: Error | null | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const onData = (chunk: unknown): void => {
    waiting.push(chunk);
    if (waiting.length - next >= MAX_WAITING) {
      source.pause();
    }
    notify();
  };
  // `finished` reports the end, the source's error, or a close before the end; its listeners
  // stay until then, so an error after the consumer gave up is still handled.
  finished(source, (err) => {
    ended = true;
    failure = err;
    notify();
  });
  source.on('data', onData);
  // A source paused before it reached us would not start flowing on its own.
  source.resume();
  try {
    for (;;) {
      if (next < waiting.length) {
        const chunk = waiting[next];
        waiting[next++] = undefined;
        if (next === waiting.length) {
          waiting.length = 0;
          next = 0;
          if (source.isPaused() && !ended) {
            source.resume();
          }
        }
        yield chunk;
        continue;
      }
      if (ended) {
        if (failure) {
          throw failure;
        }
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    source.off('data', onData);
  }
}
