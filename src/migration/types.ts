/**
 * What the migration engine needs from the rest of the hub, as small injected interfaces, so the
 * hub wires real components in and nothing here reads configuration or globals.
 * @module
 */
import type { Transform } from 'node:stream';
import type { Kysely } from 'kysely';
import type { AuditInput } from '../audit/index.js';
import type { Database, DialectName } from '../db/index.js';
import type { ObjectStore } from '../storage/index.js';

/** What the hub knows about a configured store. */
export interface StoreDescription {
  readonly name: string;
  /** Provider id in the sovereignty registry (e.g. `ovhcloud`, `microsoft-azure`). */
  readonly provider: string;
  /** Written by another system: read-only for the hub, objects not sealed. */
  readonly legacy: boolean;
  /** Backend kind: `fs`, `memory`, `s3`, `azure-blob`. */
  readonly kind: string;
}

export interface MigrationStores {
  /** The raw backend of a configured store: no sealing, no placement guard (the engine does both). */
  open(name: string): Promise<ObjectStore> | ObjectStore;
  /** Throws (e.g. STORAGE_UNKNOWN_STORE) for a store that is not configured. */
  describe(name: string): StoreDescription;
}

/** The sovereignty decision for one store and one data class. */
export interface PlacementDecision {
  readonly allowed: boolean;
  /** Each reason names the requirement it comes from. */
  readonly reasons: readonly string[];
}

export type PlacementGuard = (store: string, dataClass: string) => PlacementDecision;

/** Identity bound into a sealed object's header. */
export interface SealIdentity {
  readonly objectId: string;
  readonly dataset: string;
  readonly dataClass: string;
}

export interface SealOutcome {
  readonly keyId: string;
  readonly plainSize: number;
  readonly plainSha256: string;
  readonly sealedSize: number;
  readonly sealedSha256: string;
}

export interface SealSession {
  /** Write plaintext, read sealed bytes (the header comes first). */
  readonly stream: Transform;
  /** The dataset key the object is sealed under. */
  readonly keyId: string;
  readonly result: Promise<SealOutcome>;
}

export interface OpenOutcome {
  readonly plainSize: number;
  readonly plainSha256: string;
}

export interface OpenSession {
  /** Write sealed bytes, read plaintext. */
  readonly stream: Transform;
  readonly result: Promise<OpenOutcome>;
}

/** What a sealed object's header says, readable without a key. */
export interface SealedHeaderInfo extends SealIdentity {
  readonly keyId: string;
}

/** The sealed-object format as the engine uses it (the hub wires src/crypto and the dataset keys). */
export interface MigrationSealer {
  /** Bytes a sealed object starts with; at least this many are peeked before {@link isSealed}. */
  readonly magicBytes: number;
  /** Whether {@link seal} honours `resumeHeader`; without it a large object restarts from its first part after a crash. */
  readonly resumable: boolean;
  isSealed(firstBytes: Uint8Array): boolean;
  /**
   * Seals one object under the current key of its dataset. With `resumeHeader` (a header this
   * sealer emitted before), it seals under that header's data key instead, so that sealing the same
   * plaintext again yields the same bytes: a multipart upload then continues after its last part.
   */
  seal(
    identity: SealIdentity,
    options?: { resumeHeader?: Uint8Array; signal?: AbortSignal },
  ): Promise<SealSession>;
  /**
   * Seals a whole plaintext held in memory under the current key of its dataset, in one call
   * (small objects: no stream stages). The same format as {@link seal}.
   */
  sealBytes(
    identity: SealIdentity,
    plain: Uint8Array,
    options?: { signal?: AbortSignal },
  ): Promise<{ readonly sealed: Buffer; readonly outcome: SealOutcome }>;
  /**
   * The dataset key {@link sealBytes} seals under now, for sealing in a worker thread with
   * src/crypto's `createBufferSealer` (the same bytes as {@link sealBytes}). A sealer without it
   * seals every object on the calling thread.
   */
  sealingKey?(
    dataset: string,
    options?: { signal?: AbortSignal },
  ): Promise<{ readonly keyId: string; readonly key: Uint8Array }>;
  /**
   * Sealed size for a plaintext of `plainSize` bytes: exact with the `keyId` the object is sealed
   * under, a close estimate without it (the key id's length enters the header).
   */
  sealedSize(plainSize: number, identity: SealIdentity, keyId?: string): number;
  /** Length of the sealed header that `prefix` starts, or `undefined` while `prefix` is too short to tell. */
  headerLength(prefix: Uint8Array): number | undefined;
  /** Opens a sealed object, refusing one whose header names another object id. */
  open(expectedObjectId: string, options?: { signal?: AbortSignal }): OpenSession;
  /** Parses the header at the start of a sealed object, or `undefined` if it is not one. */
  readHeader(firstBytes: Uint8Array): SealedHeaderInfo | undefined;
}

export interface MigrationSigner {
  /** A detached JWS (compact, empty payload part) over `payload`. */
  signDetached(payload: Uint8Array): Promise<string>;
}

export interface MigrationAudit {
  record(input: AuditInput): Promise<unknown>;
}

export interface JournalDb {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
}

/** Everything {@link createMigrationEngine} needs. */
export interface MigrationDeps {
  readonly db: JournalDb;
  readonly audit: MigrationAudit;
  readonly stores: MigrationStores;
  readonly sealer: MigrationSealer;
  readonly guard: PlacementGuard;
  /** Signs decommission certificates; decommission refuses to run without it. */
  readonly signer?: MigrationSigner;
  /** Data classes from the least to the most sensitive: phases follow this order. */
  readonly classOrder: readonly string[];
  /** Who acts, for the audit log (e.g. `cli:alice`, `worker:host:pid`). */
  readonly actor: string;
  readonly now?: () => Date;
}
