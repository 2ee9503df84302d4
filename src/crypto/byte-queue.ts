/**
 * A queue of received buffers read by offset without joining them: ciphertext is handed to the
 * cipher as views into the buffers it arrived in, and only small fields (tags, the trailer) are
 * copied out.
 * @module
 */
export class ByteQueue {
  #buffers: Buffer[] = [];
  #head = 0;
  #headOffset = 0;
  #length = 0;
  #consumed = 0;

  /** Bytes queued and not consumed. */
  get length(): number {
    return this.#length;
  }

  /** Bytes consumed so far: the stream offset of the front of the queue. */
  get offset(): number {
    return this.#consumed;
  }

  push(buffer: Buffer): void {
    if (buffer.length === 0) {
      return;
    }
    this.#buffers.push(buffer);
    this.#length += buffer.length;
  }

  /** Calls `fn` with views covering bytes [start, end) from the front, in order. */
  forEach(start: number, end: number, fn: (view: Buffer) => void): void {
    let skip = start + this.#headOffset;
    let remaining = end - start;
    for (let i = this.#head; i < this.#buffers.length && remaining > 0; i++) {
      const buffer = this.#buffers[i]!;
      if (skip >= buffer.length) {
        skip -= buffer.length;
        continue;
      }
      const take = Math.min(buffer.length - skip, remaining);
      fn(buffer.subarray(skip, skip + take));
      remaining -= take;
      skip = 0;
    }
  }

  /** Copies bytes [start, end) from the front into a new buffer (for short fields). */
  copy(start: number, end: number): Buffer {
    const out = Buffer.allocUnsafe(end - start);
    let at = 0;
    this.forEach(start, end, (view) => {
      view.copy(out, at);
      at += view.length;
    });
    return out;
  }

  /** Drops `n` bytes from the front. */
  consume(n: number): void {
    this.#length -= n;
    this.#consumed += n;
    let left = n + this.#headOffset;
    while (this.#head < this.#buffers.length && left >= this.#buffers[this.#head]!.length) {
      left -= this.#buffers[this.#head]!.length;
      this.#head++;
    }
    this.#headOffset = left;
    if (this.#head > 64 || this.#head === this.#buffers.length) {
      this.#buffers = this.#buffers.slice(this.#head);
      this.#head = 0;
    }
  }
}
