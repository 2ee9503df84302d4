/**
 * The engine's sealer over the sealed-object format (src/crypto) and the per-dataset keys
 * (src/kms): what the hub wires into {@link createMigrationEngine}.
 * @module
 */
import {
  SEALED_MAGIC,
  createOpenStream,
  createResealStream,
  createSealStream,
  isSealed,
  parseSealedHeader,
  sealedHeaderLength,
  sealedSizeFor,
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
}

function session(s: SealStream, keyId: string): SealSession {
  const result = s.result.then((r) => ({ ...r, sealedSha256: r.sealedSha256 ?? '' }));
  // A copy that fails mid-stream learns why from the stream: this result may never be awaited.
  result.catch(() => undefined);
  return { stream: s.stream, keyId, result };
}

/** Key ids look like `dk_` + 26 characters; the estimate only needs their length. */
const TYPICAL_KEY_ID = 'dk_00000000000000000000000000';

export function createCryptoSealer(options: CryptoSealerOptions): MigrationSealer {
  const { keys } = options;
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
    readHeader(firstBytes: Uint8Array): SealedHeaderInfo | undefined {
      try {
        const h = parseSealedHeader(firstBytes);
        return { keyId: h.keyId, objectId: h.objectId, dataset: h.dataset, dataClass: h.dataClass };
      } catch {
        return undefined;
      }
    },
    async seal(identity, sealOptions = {}) {
      const signal = sealOptions.signal;
      const resumeHeader = sealOptions.resumeHeader;
      if (resumeHeader !== undefined) {
        // Same data key, same nonces: the copier sends no record whose earlier version may differ.
        const s = await createResealStream({
          header: resumeHeader,
          resolveKey: (keyId) => keys.resolve(keyId, signal ? { signal } : {}),
          ...identity,
          ...(signal ? { signal } : {}),
        });
        return session(s, parseSealedHeader(resumeHeader).keyId);
      }
      const current = await keys.current(identity.dataset, signal ? { signal } : {});
      const s = createSealStream({
        ...identity,
        keyId: current.keyId,
        datasetKey: current.key,
        ...(signal ? { signal } : {}),
      });
      return session(s, current.keyId);
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
