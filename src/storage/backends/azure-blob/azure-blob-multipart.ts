/**
 * Multipart uploads on Azure block blobs, with no state outside the service and the caller's journal.
 *
 * An upload id is `<prefix>.<record>`: a random prefix that names the upload's blocks, and the
 * metadata (and MD5) to commit with, base64url-encoded, since Azure keeps nothing per upload.
 * Part n is the uncommitted block `base64("<prefix>-<n, 5 digits>")` (all ids of a blob have one
 * length). Block 0 is the upload's state marker: staged with 1 byte at create, staged again with 2
 * bytes at abort (uncommitted blocks cannot be deleted; they expire after 7 days or at the blob's
 * next commit). `complete` commits the parts' blocks in order, which discards every other
 * uncommitted block of the blob, the marker included.
 *
 * Caveat of the service: any commit to the same blob (another upload, a single-shot put) discards
 * this upload's blocks; the upload then reads as not found.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { BlockBlobClient } from '@azure/storage-blob';
import type { CompletedPart, MultipartStore, ObjectInfo, OpOptions, PutOptions } from '../../object-store.js';
import { StorageErrors } from '../../errors.js';
import { checkMd5, hexToBase64 } from '../../common/digests.js';
import { checkMetadata } from '../../common/metadata.js';
import { checkCompletion, checkPartNumber } from '../../common/multipart-checks.js';
import type { AzureBlobStore } from './azure-blob-store.js';

const MARKER_OPEN = Buffer.from([1]);
const MARKER_ABORTED = Buffer.from([1, 2]);

interface UploadRecord {
  readonly m?: Readonly<Record<string, string>>;
  readonly h?: string;
}

interface ParsedUpload {
  readonly prefix: string;
  readonly record: UploadRecord;
}

export class AzureBlobMultipart implements MultipartStore {
  constructor(private readonly store: AzureBlobStore) {}

  async create(key: string, options: PutOptions = {}): Promise<{ readonly uploadId: string }> {
    const what = `${this.store.what(key)}: create upload`;
    try {
      this.store.checkKey(key);
      checkMetadata(options.metadata, this.store.name, key);
      const md5 = checkMd5(options.md5, this.store.name, key);
      const prefix = randomBytes(8).toString('hex');
      const record: UploadRecord = {
        ...(options.metadata === undefined || Object.keys(options.metadata).length === 0
          ? {}
          : { m: options.metadata }),
        ...(md5 === undefined ? {} : { h: md5 }),
      };
      const uploadId = `${prefix}.${Buffer.from(JSON.stringify(record)).toString('base64url')}`;
      await this.blob(key).stageBlock(
        blockId(prefix, 0),
        MARKER_OPEN,
        MARKER_OPEN.length,
        abortOption(options.signal),
      );
      return { uploadId };
    } catch (err) {
      throw this.store.translate(err, what, options.signal);
    }
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    options: OpOptions = {},
  ): Promise<CompletedPart> {
    const what = `${this.store.what(key)}: upload ${uploadId.slice(0, 16)} part ${partNumber}`;
    try {
      this.store.checkKey(key);
      checkPartNumber(partNumber, this.store.capabilities.maxParts, what);
      const { prefix } = parseUploadId(uploadId, what);
      const id = blockId(prefix, partNumber);
      await this.blob(key).stageBlock(id, body, body.byteLength, abortOption(options.signal));
      return { partNumber, etag: id, size: body.byteLength };
    } catch (err) {
      throw this.store.translate(err, what, options.signal);
    }
  }

  async listParts(key: string, uploadId: string, options: OpOptions = {}): Promise<CompletedPart[]> {
    const what = `${this.store.what(key)}: upload ${uploadId.slice(0, 16)}`;
    try {
      this.store.checkKey(key);
      const { prefix } = parseUploadId(uploadId, what);
      return await this.heldParts(key, prefix, what, options.signal);
    } catch (err) {
      throw this.store.translate(err, what, options.signal);
    }
  }

  async complete(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
    options: OpOptions = {},
  ): Promise<ObjectInfo> {
    const what = `${this.store.what(key)}: complete upload ${uploadId.slice(0, 16)}`;
    try {
      this.store.checkKey(key);
      const { prefix, record } = parseUploadId(uploadId, what);
      const held = await this.heldParts(key, prefix, what, options.signal);
      checkCompletion(
        parts,
        new Map(held.map((p) => [p.partNumber, p])),
        this.store.capabilities.minPartBytes,
        what,
      );
      await this.blob(key).commitBlockList(
        parts.map((p) => blockId(prefix, p.partNumber)),
        {
          ...(record.m === undefined ? {} : { metadata: { ...record.m } }),
          // Only an MD5 the creator announced (put checks it on the bytes before completing).
          ...(record.h === undefined
            ? {}
            : { blobHTTPHeaders: { blobContentMD5: Buffer.from(hexToBase64(record.h), 'base64') } }),
          ...abortOption(options.signal),
        },
      );
    } catch (err) {
      throw this.store.translate(err, what, options.signal);
    }
    const info = await this.store.head(key);
    if (info === undefined) {
      throw StorageErrors.STORAGE_UNAVAILABLE(`${what}: the blob was committed but is not visible yet`);
    }
    return info;
  }

  async abort(key: string, uploadId: string, options: OpOptions = {}): Promise<void> {
    const what = `${this.store.what(key)}: abort upload ${uploadId.slice(0, 16)}`;
    try {
      this.store.checkKey(key);
      const { prefix } = parseUploadId(uploadId, what);
      const state = await this.state(key, prefix, options.signal);
      if (state.kind !== 'open') {
        return;
      }
      await this.blob(key).stageBlock(
        blockId(prefix, 0),
        MARKER_ABORTED,
        MARKER_ABORTED.length,
        abortOption(options.signal),
      );
    } catch (err) {
      throw this.store.translate(err, what, options.signal);
    }
  }

  private blob(key: string): BlockBlobClient {
    return this.store.container.getBlockBlobClient(key);
  }

  private async heldParts(
    key: string,
    prefix: string,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<CompletedPart[]> {
    const state = await this.state(key, prefix, signal);
    if (state.kind !== 'open') {
      throw StorageErrors.STORAGE_UPLOAD_NOT_FOUND(`${what}: the multipart upload is ${state.kind}`);
    }
    return state.parts;
  }

  private async state(
    key: string,
    prefix: string,
    signal: AbortSignal | undefined,
  ): Promise<{ kind: 'open'; parts: CompletedPart[] } | { kind: 'completed' | 'aborted' | 'unknown' }> {
    let list;
    try {
      list = await this.blob(key).getBlockList('all', abortOption(signal));
    } catch (err) {
      // A blob with neither committed nor uncommitted blocks does not exist.
      if (this.store.translate(err, 'block list', signal).code === 'STORAGE_NOT_FOUND') {
        return { kind: 'unknown' };
      }
      throw err;
    }
    if ((list.committedBlocks ?? []).some((b) => partNumberOf(b.name, prefix) !== undefined)) {
      return { kind: 'completed' };
    }
    const parts: CompletedPart[] = [];
    let marker: number | undefined;
    for (const block of list.uncommittedBlocks ?? []) {
      const n = partNumberOf(block.name, prefix);
      if (n === 0) {
        marker = block.size;
      } else if (n !== undefined) {
        parts.push({ partNumber: n, etag: block.name, size: block.size });
      }
    }
    if (marker === undefined) {
      return { kind: 'unknown' };
    }
    if (marker === MARKER_ABORTED.length) {
      return { kind: 'aborted' };
    }
    return { kind: 'open', parts: parts.sort((a, b) => a.partNumber - b.partNumber) };
  }
}

function blockId(prefix: string, partNumber: number): string {
  return Buffer.from(`${prefix}-${String(partNumber).padStart(5, '0')}`).toString('base64');
}

function partNumberOf(id: string, prefix: string): number | undefined {
  const text = Buffer.from(id, 'base64').toString('latin1');
  if (!text.startsWith(`${prefix}-`)) {
    return undefined;
  }
  const n = Number(text.slice(prefix.length + 1));
  return Number.isInteger(n) ? n : undefined;
}

function parseUploadId(uploadId: string, what: string): ParsedUpload {
  const [prefix, encoded, ...rest] = uploadId.split('.');
  if (prefix === undefined || !/^[0-9a-f]{16}$/.test(prefix) || encoded === undefined || rest.length > 0) {
    throw StorageErrors.STORAGE_UPLOAD_NOT_FOUND(`${what}: not an upload id of an azure-blob store`);
  }
  try {
    const record = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as UploadRecord;
    return { prefix, record };
  } catch {
    throw StorageErrors.STORAGE_UPLOAD_NOT_FOUND(`${what}: not an upload id of an azure-blob store`);
  }
}

function abortOption(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}
