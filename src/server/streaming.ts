/**
 * Long answers are streamed rather than built in memory: JSON lines written as the hub produces
 * them, and an abort signal that fires when the client goes away, so a walk over a large store stops
 * with it instead of running on for nobody.
 * @module
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

export const NDJSON = 'application/x-ndjson';

/** Fires when the connection closes before the answer was fully written. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) {
      controller.abort(new Error('the client closed the connection'));
    }
  });
  return controller.signal;
}

/**
 * One JSON document per line, pulled from `items` as the client reads: at most one line is read
 * ahead, so the work behind `items` runs at the client's pace and stops soon after it goes.
 */
export function jsonLines(items: AsyncIterable<unknown>): Readable {
  return Readable.from(
    (async function* lines() {
      for await (const item of items) {
        yield `${JSON.stringify(item)}\n`;
      }
    })(),
    { highWaterMark: 1 },
  );
}
