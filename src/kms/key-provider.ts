/**
 * The KeyProvider contract: where the operator's master keys live (an HSM over PKCS#11, or a local
 * keyring file). The master key never leaves the provider: callers hand in key material to wrap and
 * get it back unwrapped. Keyed pseudonyms are computed by the provider too.
 *
 * Key hierarchy (see docs/formats/sealed-object.md): master key (here) → one key per dataset (wrapped
 * by the master key, stored in the hub db) → one data key per object (wrapped by the dataset key, in
 * the object's sealed header).
 *
 * Every provider wraps with AES-256 key wrap with padding (RFC 5649, `AES-256-KWP`): the local
 * provider through OpenSSL (`id-aes256-wrap-pad`), the pkcs11 provider inside the token
 * (`CKM_AES_KEY_WRAP_PAD`). A wrapped key therefore has the same format whichever provider made it;
 * KWP binds no associated data, so what a wrapped key belongs to is recorded beside it (the db row).
 * @module
 */

/** The one wrapping algorithm every provider uses: AES-256 key wrap with padding, RFC 5649. */
export const KWP_ALG = 'AES-256-KWP';

/**
 * Key material a provider accepts to wrap: 16 to 4096 bytes, a multiple of 8. SoftHSM 2.6 (and
 * possibly other tokens) does not follow RFC 5649 for other lengths, which would break portability;
 * every key hdh wraps (32-byte dataset keys, a 48-byte Ed25519 PKCS#8) fits.
 */
export const WRAPPABLE_LENGTH = { min: 16, max: 4096, multipleOf: 8 } as const;

export interface WrappedKey {
  /** Id of the master key that wrapped it. */
  readonly masterKeyId: string;
  /** Wrapping algorithm: {@link KWP_ALG}. */
  readonly alg: string;
  /** RFC 5649 output: 8 bytes longer than the key material. */
  readonly data: Uint8Array;
}

/**
 * `active`: the key `wrap` uses (exactly one). `previous`: an older key still able to unwrap, during a
 * rotation, until the caller has re-wrapped everything under the active key and retires it.
 * `retired`: destroyed; anything still wrapped by it is lost.
 */
export type MasterKeyState = 'active' | 'previous' | 'retired';

export interface MasterKeyInfo {
  readonly id: string;
  readonly createdAt: Date;
  readonly state: MasterKeyState;
  /** When it was retired (state `retired` only). */
  readonly retiredAt?: Date;
}

export interface KeyProviderInfo {
  readonly kind: 'local' | 'pkcs11';
  /** Where the master key lives, for the compliance report (e.g. `keyring file /srv/hdh/keyring.json`, `HSM token "hdh" (SoftHSM)`). */
  readonly location: string;
  /** Whether the master key material can be read out of the provider (read back from the provider, not assumed). */
  readonly extractable: boolean;
  /** Who can use the key (e.g. `holder of the keyring passphrase`, `holder of the token PIN`). */
  readonly access: string;
  readonly activeMasterKeyId: string;
  /** Every master key the provider knows, retired ones included, oldest first. */
  readonly masterKeys: readonly MasterKeyInfo[];
  /** Whether `hmac` runs inside the provider (HSM) or in process memory. */
  readonly hmacInside: boolean;
  /** True for the development keyring whose passphrase sits in a file beside it: for trying hdh only. */
  readonly development: boolean;
  /** Provider-specific facts for the report (file, KDF, library, token model and serial, ...). */
  readonly details: Readonly<Record<string, string>>;
}

export interface KeyOpOptions {
  readonly signal?: AbortSignal;
}

/**
 * Errors (codes from src/kms/errors.ts): KMS_UNWRAP_FAILED when a wrapped key does not authenticate;
 * KMS_KEY_NOT_FOUND for an unknown master key id; KMS_MASTER_KEY_RETIRED for a retired one;
 * KMS_MASTER_KEY_ACTIVE when asked to retire the active key; KMS_PROVIDER_CLOSED after `close`;
 * INPUT_INVALID for key material of a length outside {@link WRAPPABLE_LENGTH} or a bad key name;
 * OPERATION_ABORTED when the signal fires; the provider's own failures (KMS_HSM_*, KMS_KEYRING_*).
 */
export interface KeyProvider {
  readonly kind: 'local' | 'pkcs11';
  /** Wraps key material (see {@link WRAPPABLE_LENGTH}) under the active master key. */
  wrap(keyMaterial: Uint8Array, options?: KeyOpOptions): Promise<WrappedKey>;
  /** Unwraps with the master key named in `wrapped`; KMS_UNWRAP_FAILED when it does not authenticate. */
  unwrap(wrapped: WrappedKey, options?: KeyOpOptions): Promise<Uint8Array>;
  /**
   * HMAC-SHA256 of `data` under the provider's pseudonym key named `keyName`, created on first use.
   * Key names: 1–64 characters of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.
   */
  hmac(keyName: string, data: Uint8Array, options?: KeyOpOptions): Promise<Uint8Array>;
  /** Id of the pseudonym key `keyName` (recorded with dataset versions), creating it on first use. */
  hmacKeyId(keyName: string, options?: KeyOpOptions): Promise<string>;
  /** Creates a new master key and makes it active; the previous one stays usable for unwrap until retired. */
  createMasterKey(options?: KeyOpOptions): Promise<MasterKeyInfo>;
  /**
   * Destroys a master key that no longer wraps anything (the caller checks that: see
   * `DatasetKeys.rotateMaster`). Refuses the active key. Retiring a retired key does nothing.
   */
  retireMasterKey(id: string, options?: KeyOpOptions): Promise<void>;
  describe(options?: KeyOpOptions): Promise<KeyProviderInfo>;
  /** Waits for operations in flight, then releases the provider. Idempotent. */
  close(): Promise<void>;
}
