/**
 * Child process of memory.test.ts: streams a generated plaintext (never held in memory, never on
 * disk) through seal → open → discard and prints sizes, digests and the peak RSS as JSON.
 * Size from HDH_TEST_SEAL_MEMORY_BYTES.
 */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createOpenStream, createSealStream } from './index.js';

const total = Number(process.env['HDH_TEST_SEAL_MEMORY_BYTES']);
const BLOCK = 1024 * 1024;
// A few distinct blocks cycled: the content varies, the generator allocates nothing per block.
const blocks = Array.from({ length: 7 }, () => randomBytes(BLOCK));
let produced = 0;
const source = new Readable({
  read() {
    if (produced >= total) {
      this.push(null);
      return;
    }
    const block = blocks[Math.floor(produced / BLOCK) % blocks.length]!;
    const take = Math.min(BLOCK, total - produced);
    produced += take;
    this.push(take === BLOCK ? block : block.subarray(0, take));
  },
});
const datasetKey = randomBytes(32);
const seal = createSealStream({
  keyId: 'k',
  objectId: 'memory-test',
  dataset: 'd',
  dataClass: 'c',
  datasetKey,
});
const open = createOpenStream({
  resolveKey: () => Promise.resolve(datasetKey),
  expectedObjectId: 'memory-test',
});
const sink = new Writable({
  write: (_chunk, _encoding, done) => {
    done();
  },
});
await pipeline(source, seal.stream, open.stream, sink);
const sealed = await seal.result;
const opened = await open.result;
process.stdout.write(
  JSON.stringify({
    sealedPlainSize: sealed.plainSize,
    sealedPlainSha256: sealed.plainSha256,
    sealedSize: sealed.sealedSize,
    openedPlainSize: opened.plainSize,
    openedPlainSha256: opened.plainSha256,
    openedSealedSize: opened.sealedSize,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
