/**
 * The engine's sealer over the sealed-object format (src/crypto) and the per-dataset keys
 * (src/kms): what the hub wires into {@link createMigrationEngine}.
 * @module
 */
import {
  SEALED_MAGIC,
  createOpenStream,
  createSealStream,
  isSealed,
  parseSealedHeader,
  sealedHeaderLength,
  sealedSizeFor,
  type SealParams,
  type SealStream,
} from '../crypto/index.js';
import type { MigrationSealer, SealIdentity, SealedHeaderInfo } from './types.js';

/** The dataset keys the sealer needs (src/kms `DatasetKeys` has this shape). */
export interface DatasetKeySource {
  current(dataset: string, options?: { signal?: AbortSignal }): Promise<{ keyId: string; key: Uint8Array }>;
  resolve(keyId: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
}

export interface CryptoSealerOptions {
  readonly keys: DatasetKeySource;
  /**
   * Seals under a header emitted before (same data key, so the same bytes for the same plaintext).
   * Without it a large object interrupted by a crash restarts from its first part.
   */
  readonly resumeSeal?: (params: SealParams & { readonly header: Uint8Array }) => SealStream;
}

/** Key ids look like `dk_` + 26 characters; the estimate only needs their length. */
const TYPICAL_KEY_ID = 'dk_00000000000000000000000000';

export function createCryptoSealer(options: CryptoSealerOptions): MigrationSealer {
  const { keys, resumeSeal } = options;
  return {
    magicBytes: SEALED_MAGIC.length,
    resumable: resumeSeal !== undefined,
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
      if (resumeHeader !== undefined && resumeSeal !== undefined) {
        const header = parseSealedHeader(resumeHeader);
        const datasetKey = await keys.resolve(header.keyId, signal ? { signal } : {});
        const params = {
          ...identity,
          keyId: header.keyId,
          datasetKey,
          header: resumeHeader,
          ...(signal ? { signal } : {}),
        };
        const s = resumeSeal(params);
        return {
          stream: s.stream,
          keyId: header.keyId,
          result: s.result.then((r) => ({ ...r, sealedSha256: r.sealedSha256 ?? '' })),
        };
      }
      const current = await keys.current(identity.dataset, signal ? { signal } : {});
      const s = createSealStream({
        ...identity,
        keyId: current.keyId,
        datasetKey: current.key,
        ...(signal ? { signal } : {}),
      });
      return {
        stream: s.stream,
        keyId: current.keyId,
        result: s.result.then((r) => ({ ...r, sealedSha256: r.sealedSha256 ?? '' })),
      };
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
