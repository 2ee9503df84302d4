/**
 * Sealing a file into a file through the native addon's pipe (native/pipe.cc): the same object
 * bytes as the seal stream, read, sealed and written on a thread-pool thread through two buffers
 * reused for the whole object, with no stream, no fresh buffer per megabyte and the main thread free.
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { CoreErrors } from '../core/index.js';
import { DEFAULT_CHUNK_SIZE } from './constants.js';
import { checkChunkSize } from './header.js';
import { createSealKeys } from './keys.js';
import { sealBinding } from './native.js';
import { nativeBodySealer } from './native-sealer.js';
import type { SealParams, SealResult } from './seal-stream.js';

/**
 * Read size of the pipe: small enough that the input and its ciphertext stay in the CPU's L2 cache
 * between the read, the seal and the write (64 KiB and 1 MiB measured no faster).
 */
const PIPE_BUFFER_BYTES = 256 * 1024;

/** Whether {@link sealFileInto} can run here (the native addon is loaded and not turned off). */
export function canSealFiles(): boolean {
  return sealBinding() !== undefined;
}

/**
 * Seals `source`, from its position to its end, into `target` from the target's position: header,
 * records, trailer. Throws when the addon is not loaded ({@link canSealFiles}); a read or write
 * error keeps its errno code and `syscall` (`read` for the source), and an abort through
 * `params.signal` stops the pipe and throws the signal's reason.
 */
export async function sealFileInto(
  params: SealParams,
  source: FileHandle,
  target: FileHandle,
): Promise<SealResult> {
  const chunkSize = params.chunkSize ?? DEFAULT_CHUNK_SIZE;
  checkChunkSize(chunkSize);
  params.signal?.throwIfAborted();
  if (!canSealFiles()) {
    throw CoreErrors.INTERNAL_ERROR('sealing file to file needs the native addon, which is not loaded');
  }
  const keys = createSealKeys(params, params.datasetKey, chunkSize);
  const sealer = nativeBodySealer(keys, chunkSize, params.hashSealed !== false);
  if (sealer === undefined) {
    throw CoreErrors.INTERNAL_ERROR('the native addon was unloaded meanwhile');
  }
  try {
    await writeWhole(target, keys.header);
    const body = await sealer.pipe(source.fd, target.fd, PIPE_BUFFER_BYTES, params.signal);
    params.signal?.throwIfAborted();
    const end = Buffer.allocUnsafe(sealer.endRoom());
    const { written, plainSha256, sealedSha256 } = sealer.end(end, 0);
    await writeWhole(target, end.subarray(0, written));
    return {
      objectId: params.objectId,
      keyId: params.keyId,
      plainSize: body.plainBytes,
      plainSha256: plainSha256.toString('hex'),
      sealedSize: keys.header.length + body.sealedBytes + written,
      sealedSha256: sealedSha256?.toString('hex'),
    };
  } catch (err) {
    params.signal?.throwIfAborted();
    throw err;
  } finally {
    sealer.dispose();
  }
}

async function writeWhole(file: FileHandle, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    at += (await file.write(bytes, at, bytes.length - at)).bytesWritten;
  }
}
