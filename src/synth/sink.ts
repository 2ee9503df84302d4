/**
 * A line-oriented file writer that batches small writes and waits for the stream to drain, so that
 * a fast producer never piles data up in memory.
 * @module
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { SynthErrors } from './errors.js';

/** Text gathered before a write: large enough to make writes cheap, small enough to stay flat. */
const BATCH_CHARS = 256 * 1024;

export class LineSink {
  private readonly stream: WriteStream;
  private batch: string[] = [];
  private batchChars = 0;
  private failure: Error | undefined;
  /** Lines written so far (the next line's number is `lines + 1`). */
  lines = 0;

  constructor(
    readonly path: string,
    /** Name relative to the output directory, for messages and manifests. */
    readonly name: string,
  ) {
    this.stream = createWriteStream(path, { flags: 'w', highWaterMark: 1024 * 1024 });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  /** Appends text that holds no newline, followed by a newline; returns its 1-based line number. */
  line(text: string): number {
    this.append(text);
    this.append('\n');
    this.lines++;
    return this.lines;
  }

  /** Appends raw text (for Bundle framing); the caller counts the lines it holds. */
  append(text: string): void {
    this.batch.push(text);
    this.batchChars += text.length;
    if (this.batchChars >= BATCH_CHARS) {
      this.flush();
    }
  }

  private flush(): void {
    if (this.batch.length === 0) {
      return;
    }
    const chunk = this.batch.join('');
    this.batch = [];
    this.batchChars = 0;
    this.stream.write(chunk);
  }

  /** Resolves once the stream can take more; throws the stream's failure, if any. */
  async ready(): Promise<void> {
    this.check();
    if (this.stream.writableNeedDrain) {
      try {
        await once(this.stream, 'drain');
      } catch (err) {
        this.failure = err as Error;
      }
      this.check();
    }
  }

  get needsDrain(): boolean {
    return this.stream.writableNeedDrain || this.failure !== undefined;
  }

  async close(): Promise<void> {
    this.flush();
    this.stream.end();
    try {
      await finished(this.stream);
    } catch (err) {
      this.failure ??= err as Error;
    }
    this.check();
  }

  /** Closes without flushing, after a failure elsewhere; never throws. */
  async abandon(): Promise<void> {
    this.batch = [];
    if (!this.stream.destroyed) {
      this.stream.destroy();
      await finished(this.stream).catch(() => undefined);
    }
  }

  private check(): void {
    if (this.failure !== undefined) {
      throw SynthErrors.SYNTH_OUTPUT_FAILED(`cannot write ${this.name}: ${this.failure.message}`, {
        cause: this.failure,
        details: { file: this.name },
      });
    }
  }
}
