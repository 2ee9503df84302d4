/**
 * Copies one object: reads the source once, seals it for the destination (or copies an object
 * hdh already sealed unchanged), hashes in the same pass, checks the source's MD5 where it has one,
 * and makes sure the source did not change under the copy before the object becomes visible.
 *
 * Three paths by size: small objects are sealed in memory and written in one request; medium ones
 * stream into one request; large ones go in parts whose upload id and completed parts are in the
 * journal, so a killed run continues inside the object and resends at most the part in flight.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreErrors, isHdhError, toHdhError } from '../core/index.js';
import {
  readChunks,
  type CompletedPart,
  type MultipartStore,
  type ObjectInfo,
  type ObjectStore,
} from '../storage/index.js';
import { cutParts, peekBody, readableOf } from './body.js';
import { MigrationErrors } from './errors.js';
import {
  PART_SENDING,
  type Journal,
  type ObjectOutcome,
  type ObjectRow,
  type SealedCopy,
} from './journal.js';
import { partSizeFor } from './part-size.js';
import { backoffMs, isThrottle, withRetry, type RetryPolicy } from './retry.js';
import { normaliseEtag, md5Hex, sameVersion } from './source-entry.js';
import type { RateLimiter } from './throttle.js';
import type { MigrationSealer, SealIdentity } from './types.js';

export interface CopierContext {
  readonly migration: string;
  readonly source: ObjectStore;
  readonly dest: ObjectStore;
  readonly sealer: MigrationSealer;
  readonly journal: Journal;
  readonly limiter: RateLimiter;
  readonly retry: RetryPolicy;
  readonly signal: AbortSignal;
  /** Sealed objects up to this size are built in memory and written in one request. */
  readonly smallObjectBytes: number;
  /** Preferred part size; the destination's limits may raise it. */
  readonly partBytes: number;
  /** Sealed objects larger than this go in parts (when the destination has multipart uploads). */
  readonly multipartBytes: number;
  readonly now: () => Date;
  /** Plaintext bytes read from the source. */
  readonly onRead: (bytes: number) => void;
  /** Bytes sent to the destination (parts resent after a crash count again). */
  readonly onSent: (bytes: number) => void;
  readonly onRetry: (err: unknown, throttled: boolean) => void;
}

type Copied = Extract<ObjectOutcome, { kind: 'copied' }>;

/** Copies `row`, retrying retryable failures; never throws except when the run is aborted. */
export async function copyObject(
  ctx: CopierContext,
  row: ObjectRow,
  /**
   * Set when an earlier attempt may have written this object without recording it: the time that
   * attempt's unit was first leased. A destination object written since then is adopted, not resent.
   */
  adoptAfter: Date | undefined,
): Promise<ObjectOutcome> {
  let retries = 0;
  let current = row;
  for (let attempt = 0; ; attempt++) {
    try {
      const outcome = await attemptCopy(ctx, current, adoptAfter);
      return { ...outcome, retries };
    } catch (err) {
      if (ctx.signal.aborted) {
        throw CoreErrors.OPERATION_ABORTED('the run was stopped', { cause: err });
      }
      const e = toHdhError(err);
      if (e.code === 'MIGRATION_SOURCE_CHANGED') {
        // What the source holds now becomes the version to copy (the caller copies it again).
        const check = await recheckSource(ctx, current).catch(() => undefined);
        if (check?.changed === true) {
          return { ...check.outcome, retries };
        }
      }
      if (e.code === 'STORAGE_NOT_FOUND' || e.code === 'MIGRATION_SOURCE_GONE') {
        return {
          seq: row.seq,
          kind: 'failed',
          code: 'MIGRATION_SOURCE_GONE',
          message: `source object ${row.source_key} no longer exists`,
          retryable: false,
          retries,
        };
      }
      if (e.retryable && attempt < ctx.retry.retries) {
        retries++;
        ctx.onRetry(e, isThrottle(e));
        await sleep(backoffMs(ctx.retry, attempt + 1), undefined, { signal: ctx.signal }).catch(
          () => undefined,
        );
        current = (await ctx.journal.object(ctx.migration, row.seq)) ?? current;
        continue;
      }
      return {
        seq: row.seq,
        kind: 'failed',
        code: e.code,
        message: e.message,
        retryable: e.retryable,
        retries,
      };
    }
  }
}

function identityOf(row: ObjectRow): SealIdentity {
  return { objectId: row.object_id, dataset: row.dataset, dataClass: row.class };
}

function call<T>(ctx: CopierContext, op: () => Promise<T>): Promise<T> {
  return withRetry(op, ctx.retry, { signal: ctx.signal, onRetry: ctx.onRetry });
}

/** What the source says about the object now; `changed` when it is not the journal's version. */
async function recheckSource(
  ctx: CopierContext,
  row: ObjectRow,
): Promise<{ changed: false } | { changed: true; outcome: ObjectOutcome }> {
  // Size, etag and time decide; metadata kept apart (fs sidecars) is read only for a new version.
  let info = await call(ctx, () => ctx.source.head(row.source_key, { signal: ctx.signal, metadata: false }));
  if (info !== undefined && sameVersion(row, info)) {
    return { changed: false };
  }
  info = await call(ctx, () => ctx.source.head(row.source_key, { signal: ctx.signal }));
  if (info === undefined) {
    throw MigrationErrors.MIGRATION_SOURCE_GONE(
      `source object ${row.source_key} was deleted during its copy`,
    );
  }
  if (sameVersion(row, info)) {
    return { changed: false };
  }
  return {
    changed: true,
    outcome: {
      seq: row.seq,
      kind: 'changed',
      size: info.size,
      etag: normaliseEtag(info.etag),
      md5: md5Hex(info.md5),
      lastModified: info.lastModified.toISOString(),
      retries: 0,
    },
  };
}

async function attemptCopy(
  ctx: CopierContext,
  row: ObjectRow,
  adoptAfter: Date | undefined,
): Promise<ObjectOutcome> {
  const multipart = ctx.dest.capabilities.multipart ? ctx.dest.multipart : undefined;
  if (row.upload_id !== null && multipart !== undefined) {
    return copyInParts(ctx, row, multipart, true);
  }
  if (adoptAfter !== undefined) {
    const adopted = await adopt(ctx, row, adoptAfter);
    if (adopted !== undefined) {
      return adopted;
    }
  }
  const sealedSize = ctx.sealer.sealedSize(row.size, identityOf(row));
  if (sealedSize <= ctx.smallObjectBytes) {
    return copySmall(ctx, row);
  }
  if (
    multipart !== undefined &&
    sealedSize > ctx.multipartBytes &&
    sealedSize > partSizeFor(sealedSize, ctx.dest.capabilities, ctx.partBytes)
  ) {
    return copyInParts(ctx, row, multipart, false);
  }
  return copyStreamed(ctx, row);
}

/** The plaintext side of a copy: throttled, counted, MD5-checked when the source keeps an MD5. */
async function* meter(
  ctx: CopierContext,
  body: AsyncIterable<Buffer>,
  md5: Hash | undefined,
  counted: { bytes: number },
) {
  for await (const chunk of body) {
    await ctx.limiter.take(chunk.length, ctx.signal);
    md5?.update(chunk);
    counted.bytes += chunk.length;
    ctx.onRead(chunk.length);
    yield chunk;
  }
}

type ChainResult = SealedCopy;

/**
 * Reads the source once and hands the sealed bytes to `consume`. `resumeHeader` re-seals under a
 * header emitted before, which reproduces the same bytes.
 */
async function runChain(
  ctx: CopierContext,
  row: ObjectRow,
  consume: (sealed: AsyncIterable<Buffer>, sealing: { readonly keyId: string } | null) => Promise<void>,
  resumeHeader?: Uint8Array,
): Promise<ChainResult> {
  const raw = await call(ctx, () => ctx.source.get(row.source_key, { signal: ctx.signal }));
  const { first, body } = await peekBody(raw, ctx.sealer.magicBytes);
  const md5 = row.md5 !== null ? createHash('md5') : undefined;
  const counted = { bytes: 0 };
  const plain = meter(ctx, body, md5, counted);
  let result: ChainResult;
  if (ctx.sealer.isSealed(first)) {
    // Sealed by hdh already: copied unchanged; its plaintext digest stays inside it.
    const sha = createHash('sha256');
    let size = 0;
    async function* hashed(): AsyncIterable<Buffer> {
      for await (const chunk of plain) {
        sha.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    }
    await consume(hashed(), null);
    const info = ctx.sealer.readHeader(first);
    result = {
      sourceSealed: true,
      ...(info !== undefined ? { objectId: info.objectId } : {}),
      keyId: info?.keyId ?? null,
      plainSize: null,
      plainSha256: null,
      sealedSize: size,
      sealedSha256: sha.digest('hex'),
    };
  } else {
    const session = await ctx.sealer.seal(identityOf(row), {
      signal: ctx.signal,
      ...(resumeHeader !== undefined ? { resumeHeader } : {}),
    });
    // The consumer's own error (e.g. a part that differs from the one sent before) is the one to
    // report, not the premature close it causes upstream, which may reach the pipeline first.
    let consumeError: unknown;
    await pipeline(readableOf(plain), session.stream, async () => {
      try {
        // Chunk by chunk as sealed: the stream's own iterator would join what waits into new buffers.
        const sealed = readChunks(session.stream) as AsyncIterable<Buffer>;
        await consume(sealed, { keyId: session.keyId });
      } catch (err) {
        consumeError = err;
        throw err;
      }
    }).catch((err: unknown) => {
      throw consumeError ?? err;
    });
    const sealed = await session.result;
    result = {
      sourceSealed: false,
      keyId: sealed.keyId,
      plainSize: sealed.plainSize,
      plainSha256: sealed.plainSha256,
      sealedSize: sealed.sealedSize,
      sealedSha256: sealed.sealedSha256,
    };
  }
  checkRead(row, counted.bytes, md5);
  return result;
}

/** The bytes read are the version the journal holds: its size, and its MD5 where the source keeps one. */
function checkRead(row: ObjectRow, bytes: number, md5: Hash | undefined): void {
  if (bytes !== row.size) {
    throw MigrationErrors.MIGRATION_SOURCE_CHANGED(
      `source object ${row.source_key} gave ${bytes} bytes where the journal expects ${row.size}`,
    );
  }
  if (md5 !== undefined) {
    const got = md5.digest('hex');
    if (got !== row.md5) {
      throw MigrationErrors.MIGRATION_SOURCE_DIGEST_MISMATCH(
        `source object ${row.source_key}: MD5 of the bytes read is ${got}, the source service says ${row.md5}`,
      );
    }
  }
}

function copiedOutcome(
  ctx: CopierContext,
  row: ObjectRow,
  chain: ChainResult,
  destEtag: string | null,
): Copied {
  return {
    seq: row.seq,
    kind: 'copied',
    sourceSealed: chain.sourceSealed,
    ...(chain.objectId !== undefined ? { objectId: chain.objectId } : {}),
    keyId: chain.keyId,
    plainSize: chain.plainSize,
    plainSha256: chain.plainSha256,
    sealedSize: chain.sealedSize,
    sealedSha256: chain.sealedSha256,
    destEtag,
    retries: 0,
    at: ctx.now().toISOString(),
  };
}

/** Small objects: sealed into memory, source re-checked, then one write. */
async function copySmall(ctx: CopierContext, row: ObjectRow): Promise<ObjectOutcome> {
  // Whole in memory: no stream stages between reading, sealing and writing (per-object overhead
  // decides the rate of small objects).
  const raw = await call(ctx, () => ctx.source.get(row.source_key, { signal: ctx.signal }));
  const md5 = row.md5 !== null ? createHash('md5') : undefined;
  const read: Buffer[] = [];
  let size = 0;
  for await (const chunk of raw as AsyncIterable<Buffer>) {
    await ctx.limiter.take(chunk.length, ctx.signal);
    md5?.update(chunk);
    size += chunk.length;
    ctx.onRead(chunk.length);
    read.push(chunk);
  }
  const plain = read.length === 1 ? read[0]! : Buffer.concat(read, size);
  checkRead(row, size, md5);
  let chain: ChainResult;
  let body: Buffer;
  if (ctx.sealer.isSealed(plain)) {
    const header = ctx.sealer.readHeader(plain);
    body = plain;
    chain = {
      sourceSealed: true,
      ...(header !== undefined ? { objectId: header.objectId } : {}),
      keyId: header?.keyId ?? null,
      plainSize: null,
      plainSha256: null,
      sealedSize: size,
      sealedSha256: createHash('sha256').update(plain).digest('hex'),
    };
  } else {
    const { sealed, outcome } = await ctx.sealer.sealBytes(identityOf(row), plain, { signal: ctx.signal });
    body = sealed;
    chain = { sourceSealed: false, ...outcome };
  }
  const check = await recheckSource(ctx, row);
  if (check.changed) {
    return check.outcome;
  }
  const info = await call(ctx, () =>
    ctx.dest.put(row.dest_key, body, { size: body.length, signal: ctx.signal }),
  );
  ctx.onSent(body.length);
  return copiedOutcome(ctx, row, chain, normaliseEtag(info.etag));
}

/** Medium objects: one streamed write; a change of the source found afterwards means a new copy. */
async function copyStreamed(ctx: CopierContext, row: ObjectRow): Promise<ObjectOutcome> {
  let info: ObjectInfo | undefined;
  const chain = await runChain(ctx, row, async (sealed, sealing) => {
    const size =
      sealing === null ? row.size : ctx.sealer.sealedSize(row.size, identityOf(row), sealing.keyId);
    const pass = new PassThrough({ highWaterMark: 1024 * 1024 });
    const writing = ctx.dest.put(row.dest_key, pass, { size, signal: ctx.signal });
    // A failed write must stop the reading side, and a failed read must fail the write.
    writing.catch((err: unknown) => pass.destroy(err as Error));
    try {
      for await (const chunk of sealed) {
        ctx.onSent(chunk.length);
        if (!pass.write(chunk)) {
          await once(pass, 'drain');
        }
      }
      pass.end();
    } catch (err) {
      pass.destroy(err as Error);
      await writing.catch(() => undefined);
      throw err;
    }
    info = await writing;
  });
  const check = await recheckSource(ctx, row);
  if (check.changed) {
    // The copy may mix two versions: it must not stay where a later run could adopt it.
    await call(ctx, () => ctx.dest.delete(row.dest_key));
    return check.outcome;
  }
  return copiedOutcome(ctx, row, chain, normaliseEtag(info?.etag));
}

/** A part the journal knows of: its digest and size, and its etag once the destination confirmed it. */
interface KnownPart {
  readonly etag: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * Large objects: a multipart upload whose id and parts the journal keeps, resumable after a crash.
 *
 * A resumed upload seals the object again from its start under the header saved with the upload
 * (same data key, same counter nonces: the same bytes for the same plaintext), compares each part
 * the journal knows of with its digest, and sends only the parts the destination does not hold.
 * Every part's digest is journaled before the part goes out, so a part whose re-sealed bytes differ
 * from what may have been sent (the source changed) is never sent: the upload is dropped and the
 * object sealed again under a fresh data key.
 */
async function copyInParts(
  ctx: CopierContext,
  row: ObjectRow,
  mp: MultipartStore,
  resuming: boolean,
): Promise<ObjectOutcome> {
  let uploadId: string;
  let partSize: number;
  /** Parts the destination holds as the journal recorded them: not sent again. */
  const held = new Map<number, KnownPart>();
  /** Every part the journal knows of (held, or possibly sent): a re-sealed part must match it. */
  const known = new Map<number, KnownPart>();
  let resumeHeader: Uint8Array | undefined;
  if (resuming) {
    uploadId = row.upload_id!;
    partSize = row.part_size!;
    const parts = await journalParts(ctx, row, mp, uploadId);
    if (parts === undefined) {
      return restartUpload(ctx, row, mp, uploadId);
    }
    for (const [n, p] of parts.held) {
      held.set(n, p);
    }
    for (const [n, p] of parts.known) {
      known.set(n, p);
    }
    if (row.seal_header !== null) {
      resumeHeader = Buffer.from(row.seal_header, 'base64');
    }
    // Continuing inside a sealed object needs its header (and a sealer that can re-seal under it).
    if (known.size > 0 && resumeHeader === undefined && !(await sourceIsSealed(ctx, row))) {
      return restartUpload(ctx, row, mp, uploadId);
    }
    if (resumeHeader !== undefined && !ctx.sealer.resumable) {
      return restartUpload(ctx, row, mp, uploadId);
    }
  } else {
    const expected = ctx.sealer.sealedSize(row.size, identityOf(row));
    partSize = partSizeFor(expected, ctx.dest.capabilities, ctx.partBytes);
    const created = await call(ctx, () => mp.create(row.dest_key, { size: expected, signal: ctx.signal }));
    uploadId = created.uploadId;
    // Recorded before any part goes out, so a crash never leaves an upload the journal forgets.
    await ctx.journal.startUpload(ctx.migration, row.seq, { uploadId, partSize, header: null });
  }
  const completed: CompletedPart[] = [];
  const chain = await runChain(
    ctx,
    row,
    async (sealed, sealing) => {
      let number = 0;
      let inflight: Promise<void> | undefined;
      let headerSaved = resumeHeader !== undefined || sealing === null;
      for await (const part of cutParts(sealed, partSize)) {
        number++;
        const sha256 = createHash('sha256').update(part).digest('hex');
        const before = known.get(number);
        if (before !== undefined && (before.sha256 !== sha256 || before.size !== part.length)) {
          throw MigrationErrors.MIGRATION_SOURCE_CHANGED(
            `source object ${row.source_key}: part ${number} re-read differs from the part sent before`,
          );
        }
        const stored = held.get(number);
        if (stored !== undefined) {
          completed.push({ partNumber: number, etag: stored.etag, size: stored.size });
          continue;
        }
        if (!headerSaved) {
          // The sealed header leads the first part; it carries the object's data key, wrapped.
          const length = number === 1 ? ctx.sealer.headerLength(part) : undefined;
          if (length !== undefined && length <= part.length) {
            await ctx.journal.startUpload(ctx.migration, row.seq, {
              uploadId,
              partSize,
              header: Buffer.from(part.subarray(0, length)).toString('base64'),
            });
          }
          headerSaved = true;
        }
        await inflight;
        const partNumber = number;
        // The body is copied: the part buffer is refilled while this part is in flight.
        const body = Buffer.from(part);
        inflight = (async () => {
          if (before === undefined) {
            await ctx.journal.sendingPart(ctx.migration, row.seq, {
              uploadId,
              partNumber,
              size: body.length,
              sha256,
            });
          }
          const p = await call(ctx, () =>
            mp.uploadPart(row.dest_key, uploadId, partNumber, body, { signal: ctx.signal }),
          );
          ctx.onSent(body.length);
          await ctx.journal.addPart(ctx.migration, row.seq, {
            uploadId,
            partNumber,
            etag: p.etag,
            size: body.length,
            sha256,
          });
          completed.push({ partNumber, etag: p.etag, size: body.length });
        })();
        // An upload failure surfaces at the next await; keep it from being unhandled meanwhile.
        inflight.catch(() => undefined);
      }
      await inflight;
    },
    resumeHeader,
  ).catch(async (err: unknown) => {
    if (isHdhError(err, 'MIGRATION_SOURCE_CHANGED')) {
      await abortUpload(ctx, row, mp, uploadId);
    }
    throw err;
  });
  const check = await recheckSource(ctx, row);
  if (check.changed) {
    await abortUpload(ctx, row, mp, uploadId);
    return check.outcome;
  }
  completed.sort((a, b) => a.partNumber - b.partNumber);
  const info = await call(ctx, () => mp.complete(row.dest_key, uploadId, completed, { signal: ctx.signal }));
  let etag = normaliseEtag(info.etag);
  if (etag === null) {
    etag = normaliseEtag((await call(ctx, () => ctx.dest.head(row.dest_key)))?.etag);
  }
  return copiedOutcome(ctx, row, chain, etag);
}

/**
 * The journal's parts of an upload: `held`, the parts both the journal and the service hold, as a
 * contiguous run from part 1; `known`, every part the journal recorded (possibly sent). `undefined`
 * when the upload is gone.
 */
async function journalParts(
  ctx: CopierContext,
  row: ObjectRow,
  mp: MultipartStore,
  uploadId: string,
): Promise<{ held: Map<number, KnownPart>; known: Map<number, KnownPart> } | undefined> {
  let service: CompletedPart[];
  try {
    service = await call(ctx, () => mp.listParts(row.dest_key, uploadId, { signal: ctx.signal }));
  } catch (err) {
    if (isHdhError(err, 'STORAGE_NOT_FOUND')) {
      return undefined;
    }
    throw err;
  }
  const journal = await ctx.journal.parts(ctx.migration, row.seq, uploadId);
  const byNumber = new Map(service.map((p) => [p.partNumber, p]));
  const held = new Map<number, KnownPart>();
  const known = new Map<number, KnownPart>();
  let contiguous = true;
  for (const p of journal) {
    known.set(p.part_number, { etag: p.etag, size: p.size, sha256: p.sha256 });
    const s = byNumber.get(p.part_number);
    // A part recorded as being sent that the service lists, at its size, arrived whole before the
    // crash (services list only complete parts): the bytes sent are the ones the digest describes.
    const arrived =
      s !== undefined &&
      (p.etag === PART_SENDING ? s.size === p.size : normaliseEtag(s.etag) === normaliseEtag(p.etag));
    contiguous &&= p.part_number === held.size + 1 && arrived;
    if (contiguous) {
      held.set(p.part_number, { etag: s!.etag, size: p.size, sha256: p.sha256 });
    }
  }
  return { held, known };
}

async function sourceIsSealed(ctx: CopierContext, row: ObjectRow): Promise<boolean> {
  const body = await call(ctx, () =>
    ctx.source.get(row.source_key, { range: { start: 0, end: ctx.sealer.magicBytes }, signal: ctx.signal }),
  );
  const { first } = await peekBody(body, ctx.sealer.magicBytes);
  body.destroy();
  return ctx.sealer.isSealed(first);
}

async function abortUpload(
  ctx: CopierContext,
  row: ObjectRow,
  mp: MultipartStore,
  uploadId: string,
): Promise<void> {
  await call(ctx, () => mp.abort(row.dest_key, uploadId)).catch((err: unknown) => {
    if (!isHdhError(err, 'STORAGE_NOT_FOUND')) {
      throw err;
    }
  });
  await ctx.journal.clearUpload(ctx.migration, row.seq);
}

/** The upload cannot be continued: drop it and start the object again. */
async function restartUpload(
  ctx: CopierContext,
  row: ObjectRow,
  mp: MultipartStore,
  uploadId: string,
): Promise<ObjectOutcome> {
  await abortUpload(ctx, row, mp, uploadId);
  return copyInParts(
    ctx,
    { ...row, upload_id: null, part_size: null, seal_header: null, state: 'pending' },
    mp,
    false,
  );
}

/**
 * After a crash, an object the journal still calls pending may already be at the destination
 * (written, then the process died before the journal batch was flushed). It is adopted — read
 * back, opened and recorded, not sent again — when it was written after the crashed attempt began
 * (`adoptAfter`), the source still holds the version the journal has (every path checks the source
 * before its copy becomes visible, and removes a streamed copy whose source changed), and it opens
 * as this object with this plaintext size.
 */
async function adopt(ctx: CopierContext, row: ObjectRow, adoptAfter: Date): Promise<Copied | undefined> {
  const info = await call(ctx, () => ctx.dest.head(row.dest_key, { signal: ctx.signal }));
  if (info === undefined || info.lastModified.getTime() < adoptAfter.getTime()) {
    return undefined;
  }
  if ((await recheckSource(ctx, row)).changed) {
    return undefined;
  }
  const body = await call(ctx, () => ctx.dest.get(row.dest_key, { signal: ctx.signal }));
  const { first, body: rest } = await peekBody(body, ctx.sealer.magicBytes);
  if (!ctx.sealer.isSealed(first)) {
    return undefined;
  }
  const header = ctx.sealer.readHeader(first);
  const sha = createHash('sha256');
  let size = 0;
  // A source object hdh had sealed keeps its own id; one sealed here carries the journal's.
  const objectId = header?.objectId ?? row.object_id;
  const opener = ctx.sealer.open(objectId, { signal: ctx.signal });
  opener.result.catch(() => undefined);
  async function* hashed(): AsyncIterable<Buffer> {
    for await (const chunk of rest) {
      sha.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }
  try {
    await pipeline(readableOf(hashed()), opener.stream, async (plain: AsyncIterable<Buffer>) => {
      for await (const _chunk of plain) {
        // Drained: opening checks every chunk; the plaintext is not needed.
      }
    });
    const opened = await opener.result;
    // A source hdh had sealed was copied as it is: its size is the sealed size.
    const sourceSealed = size === row.size && opened.plainSize !== row.size;
    if (!sourceSealed && opened.plainSize !== row.size) {
      return undefined;
    }
    return {
      seq: row.seq,
      kind: 'copied',
      sourceSealed,
      objectId,
      keyId: header?.keyId ?? null,
      plainSize: sourceSealed ? null : opened.plainSize,
      plainSha256: sourceSealed ? null : opened.plainSha256,
      sealedSize: size,
      sealedSha256: sha.digest('hex'),
      destEtag: normaliseEtag(info.etag),
      retries: 0,
      at: ctx.now().toISOString(),
    };
  } catch (err) {
    if (ctx.signal.aborted) {
      throw err;
    }
    return undefined;
  }
}
