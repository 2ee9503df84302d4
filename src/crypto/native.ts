/**
 * The native record sealer (native/seal.cc, built by `npm ci` through scripts/build-native.ts):
 * loaded once, on first use. When it is missing (the build failed or was skipped) or
 * `HDH_SEAL_NATIVE=0`, sealing takes the node:crypto path, which writes the same bytes.
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** What native/seal.cc exports. The sealer is an opaque handle owning OpenSSL contexts. */
export interface SealBinding {
  sealerCreate(
    dataKey: Uint8Array,
    headerHash: Uint8Array,
    header: Uint8Array,
    chunkSize: number,
    hashSealed: boolean,
    fastSha: boolean,
  ): object;
  sealerUpdate(sealer: object, plain: Uint8Array, out: Uint8Array, outOffset: number): number;
  /**
   * As sealerUpdate for each `pieceBytes` piece of `plain` into `outs[i]`, on libuv's thread pool;
   * one call at a time per sealer. Absent from an addon built before it existed.
   */
  sealerUpdateAsync?(
    sealer: object,
    plain: Uint8Array,
    outs: Uint8Array[],
    pieceBytes: number,
    done: (err: Error | null, written: number) => void,
  ): void;
  sealerFinal(sealer: object, out: Uint8Array, outOffset: number): [number, Buffer, Buffer | null];
  sealerDispose(sealer: object): void;
  /**
   * On a thread-pool thread: reads `srcFd` to its end, seals it, writes the records to `dstFd`
   * (both from their positions) → [plaintext bytes read, sealed bytes written]. Rejects with an
   * errno-coded error (`code`, `syscall`), or ECANCELED after sealerCancel or sealerDispose.
   */
  sealerPipe(sealer: object, srcFd: number, dstFd: number, bufferBytes: number): Promise<[number, number]>;
  sealerCancel(sealer: object): void;
  /** Whether this CPU runs native/sha256.h (the SHA extensions); else OpenSSL's SHA-256. */
  shaExtensions(): boolean;
}

/** Relative to this file, so it holds wherever the checkout is. */
const ADDON = new URL('../../build/Release/hdh_seal.node', import.meta.url);

let loaded: { readonly binding: SealBinding | undefined; readonly reason: string } | undefined;

function load(): { readonly binding: SealBinding | undefined; readonly reason: string } {
  if (loaded === undefined) {
    try {
      const binding = createRequire(import.meta.url)(fileURLToPath(ADDON)) as SealBinding;
      loaded = { binding, reason: 'native addon build/Release/hdh_seal.node' };
    } catch (err) {
      const missing = (err as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND';
      const why = missing
        ? 'build/Release/hdh_seal.node is missing'
        : err instanceof Error
          ? err.message.split('\n')[0]!
          : String(err);
      loaded = { binding: undefined, reason: `native addon not loaded (${why})` };
    }
  }
  return loaded;
}

/**
 * Whether the native sealer may hash with native/sha256.h (two streams interleaved) where the CPU
 * has the SHA extensions; `HDH_SEAL_NATIVE_SHA=openssl` keeps OpenSSL's SHA-256 (the tests run both).
 */
export function fastShaAllowed(): boolean {
  return process.env['HDH_SEAL_NATIVE_SHA'] !== 'openssl';
}

/** The binding sealing should use now, or `undefined` for the node:crypto path. */
export function sealBinding(): SealBinding | undefined {
  return process.env['HDH_SEAL_NATIVE'] === '0' ? undefined : load().binding;
}

/** Which path sealing takes now and why, in one line (for the bench and `--version`-style reports). */
export function sealPath(): { readonly native: boolean; readonly reason: string } {
  if (process.env['HDH_SEAL_NATIVE'] === '0') {
    return { native: false, reason: 'node:crypto (HDH_SEAL_NATIVE=0)' };
  }
  const { binding, reason } = load();
  if (binding === undefined) {
    return { native: false, reason: `node:crypto: ${reason}` };
  }
  const sha =
    binding.shaExtensions() && fastShaAllowed()
      ? 'both SHA-256 interleaved on the SHA extensions (plaintext-only: OpenSSL)'
      : "OpenSSL's SHA-256";
  return { native: true, reason: `${reason}, ${sha}` };
}
