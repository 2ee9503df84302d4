/**
 * A put through a service's multipart API, shared by the s3 and azure-blob backends: a body that fits
 * one part goes as one request; a longer one goes as parts, a few in flight, then is completed, or
 * aborted on any failure so that nothing partial is ever visible under the key.
 * @module
 */
import type { BodySource } from '../../core/index.js';
import type {
  CompletedPart,
  MultipartStore,
  ObjectInfo,
  PutOptions,
  StoreCapabilities,
} from '../object-store.js';
import { StorageErrors } from '../errors.js';
import { chunkBody, md5Hash } from './bodies.js';
import { integrityError } from './digests.js';
import { describeKey } from './keys.js';
import { DEFAULT_PART_BYTES, fitPartSize, growingPartSizes } from './part-size.js';

export interface PartsPutPlan {
  readonly storeName: string;
  readonly capabilities: StoreCapabilities;
  /** Largest body sent as one request when its size is known in advance. */
  readonly singleMaxBytes: number;
  /** Part size for bodies of unknown size (and the floor for known ones). */
  readonly partBytes?: number;
  /** Parts uploaded at the same time. */
  readonly concurrency: number;
  /** Largest part the service takes. */
  readonly maxPartBytes?: number;
  /** Stores `data` as the whole object in one request; `md5` (hex) is already checked locally. */
  putSingle(data: Buffer, md5: string | undefined): Promise<ObjectInfo>;
  readonly multipart: MultipartStore;
}

export async function putInParts(
  plan: PartsPutPlan,
  key: string,
  body: BodySource,
  options: PutOptions & { md5?: string },
): Promise<ObjectInfo> {
  const { capabilities: caps, storeName } = plan;
  const what = `store ${storeName}, key ${describeKey(key)}`;
  const size = options.size;
  if (size !== undefined && size > caps.maxObjectBytes) {
    throw StorageErrors.STORAGE_TOO_LARGE(
      `${what}: ${size} bytes is more than this store accepts (${caps.maxObjectBytes})`,
    );
  }
  const limits = { ...caps, ...(plan.maxPartBytes === undefined ? {} : { maxPartBytes: plan.maxPartBytes }) };
  const preferred = plan.partBytes ?? DEFAULT_PART_BYTES;
  let partSize: (index: number) => number;
  if (size !== undefined && size <= plan.singleMaxBytes) {
    partSize = () => size;
  } else if (size !== undefined) {
    const fitted = fitPartSize(size, limits, preferred);
    partSize = () => fitted;
  } else {
    partSize = growingPartSizes(limits, preferred);
  }
  const hash = options.md5 === undefined ? undefined : md5Hash();
  const parts = chunkBody(body, {
    partSize,
    maxBytes: caps.maxObjectBytes,
    what,
    ...(size === undefined ? {} : { expectedSize: size }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(hash === undefined ? {} : { hash }),
  });
  const checkDigest = (): void => {
    if (hash === undefined || options.md5 === undefined) {
      return;
    }
    const actual = hash.digest('hex');
    if (actual !== options.md5) {
      throw integrityError(storeName, key, options.md5, actual);
    }
  };

  try {
    const first = await parts.next();
    if (first.done === true) {
      throw new Error('chunkBody always yields a part');
    }
    if (first.value.last) {
      checkDigest();
      return await plan.putSingle(first.value.data, options.md5);
    }
    return await putParts(plan, key, options, first.value.data, parts, checkDigest, what);
  } finally {
    // Releases the caller's body when the upload stopped before reading all of it.
    await parts.return(undefined);
  }
}

async function putParts(
  plan: PartsPutPlan,
  key: string,
  options: PutOptions,
  firstPart: Buffer,
  parts: AsyncGenerator<{ data: Buffer }>,
  checkDigest: () => void,
  what: string,
): Promise<ObjectInfo> {
  const caps = plan.capabilities;
  // Neither create nor complete takes the signal: a request cut off after the service acted on it
  // would leave an upload we cannot name (create) or an object we then report as failed (complete).
  const { signal: _signal, ...createOptions } = options;
  const { uploadId } = await plan.multipart.create(key, createOptions);
  const signalOption = options.signal === undefined ? {} : { signal: options.signal };
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const upload = (partNumber: number, data: Buffer): void => {
    const task: Promise<void> = plan.multipart
      .uploadPart(key, uploadId, partNumber, data, signalOption)
      .then(
        (part) => {
          completed.push(part);
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };
  try {
    try {
      options.signal?.throwIfAborted();
      let partNumber = 1;
      upload(partNumber, firstPart);
      for await (const part of parts) {
        if (failure !== undefined) {
          break;
        }
        partNumber++;
        if (partNumber > caps.maxParts) {
          throw StorageErrors.STORAGE_TOO_LARGE(`${what}: the body needs more than ${caps.maxParts} parts`);
        }
        upload(partNumber, part.data);
        while (inFlight.size >= plan.concurrency) {
          await Promise.race(inFlight);
        }
      }
    } finally {
      // Never abort (or complete) while parts are still on their way.
      await Promise.all(inFlight);
    }
    if (failure !== undefined) {
      throw failure.error;
    }
    checkDigest();
    completed.sort((a, b) => a.partNumber - b.partNumber);
    options.signal?.throwIfAborted();
    return await plan.multipart.complete(key, uploadId, completed);
  } catch (err) {
    await plan.multipart.abort(key, uploadId).catch(() => undefined);
    throw err;
  }
}
