/**
 * The KeyProvider contract: where the operator's master keys live (an HSM over PKCS#11, or a local
 * keyring file). The master key never leaves the provider: callers hand in data keys to wrap and get
 * them back unwrapped. Keyed pseudonyms are computed inside the provider too.
 *
 * Key hierarchy (see docs/formats/sealed-object.md): master key (here) → one key per dataset (wrapped
 * by the master key, stored in the hub db) → one data key per object (wrapped by the dataset key, in
 * the object's sealed header).
 * @module
 */

export interface WrappedKey {
  /** Id of the master key that wrapped it. */
  readonly masterKeyId: string;
  /** Wrapping algorithm, e.g. `AES-256-KWP` (RFC 5649) or `AES-256-GCM`. */
  readonly alg: string;
  readonly data: Uint8Array;
}

export interface MasterKeyInfo {
  readonly id: string;
  readonly createdAt: Date;
  readonly state: 'active' | 'retired';
}

export interface KeyProviderInfo {
  readonly kind: 'local' | 'pkcs11';
  /** Where the master key lives, for the compliance report (e.g. `keyring file /srv/hdh/keyring.json`, `HSM token "hdh" (SoftHSM)`). */
  readonly location: string;
  /** Whether the master key material can be read out of the provider. */
  readonly extractable: boolean;
  /** Who can use the key (e.g. `holder of the keyring passphrase`, `holder of the token PIN`). */
  readonly access: string;
  readonly activeMasterKeyId: string;
  readonly masterKeys: readonly MasterKeyInfo[];
  /** Whether `hmac` runs inside the provider (HSM) or in process memory. */
  readonly hmacInside: boolean;
}

export interface KeyOpOptions {
  readonly signal?: AbortSignal;
}

export interface KeyProvider {
  readonly kind: 'local' | 'pkcs11';
  /** Wraps a 32-byte data key under the active master key. `context` is bound to the result (AAD). */
  wrap(dataKey: Uint8Array, context: string, options?: KeyOpOptions): Promise<WrappedKey>;
  /** Unwraps with the master key named in `wrapped`; KMS_UNWRAP_FAILED when it does not authenticate. */
  unwrap(wrapped: WrappedKey, context: string, options?: KeyOpOptions): Promise<Uint8Array>;
  /** HMAC-SHA256 of `data` under the provider's pseudonym key named `keyName`, created on first use. */
  hmac(keyName: string, data: Uint8Array, options?: KeyOpOptions): Promise<Uint8Array>;
  /** Id of the pseudonym key `keyName` (recorded with dataset versions), creating it on first use. */
  hmacKeyId(keyName: string): Promise<string>;
  /** Creates a new master key and makes it active; the previous one stays usable for unwrap until retired. */
  createMasterKey(): Promise<MasterKeyInfo>;
  /** Destroys a master key that no longer wraps anything. */
  retireMasterKey(id: string): Promise<void>;
  describe(): Promise<KeyProviderInfo>;
  close(): Promise<void>;
}
