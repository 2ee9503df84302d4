/**
 * The engine's sealer over the sealed-object format (src/crypto) and the per-dataset keys
 * (src/kms): what the hub wires into {@link createMigrationEngine}.
 * @module
 */
import {
  SEALED_MAGIC,
  createBufferSealer,
  createOpenStream,
  createResealStream,
  createSealStream,
  isSealed,
  parseSealedHeader,
  sealedHeaderLength,
  sealedSizeFor,
  type BufferSealer,
  type SealStream,
} from '../crypto/index.js';
import type { MigrationSealer, SealIdentity, SealSession, SealedHeaderInfo } from './types.js';

/** The dataset keys the sealer needs (src/kms `DatasetKeys` has this shape). */
export interface DatasetKeySource {
  current(dataset: string, options?: { signal?: AbortSignal }): Promise<{ keyId: string; key: Uint8Array }>;
  resolve(keyId: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
}

export interface CryptoSealerOptions {
  readonly keys: DatasetKeySource;
  /**
   * Seal streamed objects on libuv's thread pool (default true; `HDH_SEAL_OFF_THREAD=0` turns it
   * off): a run copies several objects at once, and the event loop's one core would seal them all.
   */
  readonly offThread?: boolean;
}

function session(s: SealStream, keyId: string): SealSession {
  const result = s.result.then((r) => ({ ...r, sealedSha256: r.sealedSha256 ?? '' }));
  // A copy that fails mid-stream learns why from the stream: this result may never be awaited.
  result.catch(() => undefined);
  return { stream: s.stream, keyId, result };
}

/** Dataset keys whose derived sealing keys are kept at once (a migration seals under a few). */
const MAX_BUFFER_SEALERS = 64;

/** Key ids look like `dk_` + 26 characters; the estimate only needs their length. */
const TYPICAL_KEY_ID = 'dk_00000000000000000000000000';

/** What the header at the start of `firstBytes` says, or `undefined` if it is not a sealed object's. */
export function sealedHeaderInfo(firstBytes: Uint8Array): SealedHeaderInfo | undefined {
  try {
    const h = parseSealedHeader(firstBytes);
    return { keyId: h.keyId, objectId: h.objectId, dataset: h.dataset, dataClass: h.dataClass };
  } catch {
    return undefined;
  }
}

export function createCryptoSealer(options: CryptoSealerOptions): MigrationSealer {
  const { keys } = options;
  const offThread = options.offThread ?? process.env['HDH_SEAL_OFF_THREAD'] !== '0';
  // Buffer sealers by key id: each derives its dataset key's sealing keys once. Used only while
  // `keys.current` still hands out the same key bytes (a shredded key fails there first).
  const bufferSealers = new Map<string, { key: Buffer; sealer: BufferSealer }>();
  const bufferSealer = (keyId: string, key: Uint8Array): BufferSealer => {
    const known = bufferSealers.get(keyId);
    if (known !== undefined && known.key.equals(key)) {
      return known.sealer;
    }
    known?.sealer.dispose();
    if (bufferSealers.size >= MAX_BUFFER_SEALERS) {
      for (const s of bufferSealers.values()) {
        s.sealer.dispose();
      }
      bufferSealers.clear();
    }
    const sealer = createBufferSealer(keyId, key);
    bufferSealers.set(keyId, { key: Buffer.from(key), sealer });
    return sealer;
  };
  return {
    magicBytes: SEALED_MAGIC.length,
    resumable: true,
    isSealed,
    sealedSize(plainSize: number, identity: SealIdentity, keyId?: string): number {
      return sealedSizeFor(plainSize, { ...identity, keyId: keyId ?? TYPICAL_KEY_ID });
    },
    headerLength(prefix: Uint8Array): number | undefined {
      try {
        return sealedHeaderLength(prefix);
      } catch {
        return undefined;
      }
    },
    readHeader: sealedHeaderInfo,
    async seal(identity, sealOptions = {}) {
      const signal = sealOptions.signal;
      const resumeHeader = sealOptions.resumeHeader;
      if (resumeHeader !== undefined) {
        // Same data key, same nonces: the copier sends no record whose earlier version may differ.
        const s = await createResealStream({
          header: resumeHeader,
          resolveKey: (keyId) => keys.resolve(keyId, signal ? { signal } : {}),
          ...identity,
          offThread,
          ...(signal ? { signal } : {}),
        });
        return session(s, parseSealedHeader(resumeHeader).keyId);
      }
      const current = await keys.current(identity.dataset, signal ? { signal } : {});
      const s = createSealStream({
        ...identity,
        keyId: current.keyId,
        datasetKey: current.key,
        offThread,
        ...(signal ? { signal } : {}),
      });
      return session(s, current.keyId);
    },
    sealingKey: (dataset, keyOptions = {}) =>
      keys.current(dataset, keyOptions.signal ? { signal: keyOptions.signal } : {}),
    async sealBytes(identity, plain, sealOptions = {}) {
      const signal = sealOptions.signal;
      const current = await keys.current(identity.dataset, signal ? { signal } : {});
      const { sealed, result } = bufferSealer(current.keyId, current.key).seal(identity, plain);
      return { sealed, outcome: result };
    },
    open(expectedObjectId, openOptions = {}) {
      const signal = openOptions.signal;
      const s = createOpenStream({
        expectedObjectId,
        resolveKey: (keyId) => keys.resolve(keyId, signal ? { signal } : {}),
        ...(signal ? { signal } : {}),
      });
      return {
        stream: s.stream,
        result: s.result.then((r) => ({ plainSize: r.plainSize, plainSha256: r.plainSha256 })),
      };
    },
  };
}
