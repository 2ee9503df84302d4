/**
 * The `pkcs11` key provider: master keys and pseudonym keys live in an HSM token and never leave it.
 *
 * - Master keys: token objects, AES-256, CKA_SENSITIVE, CKA_EXTRACTABLE=false, usable only to wrap
 *   and unwrap, labelled `<prefix>-<id>` with CKA_ID = id. The newest one is active.
 * - Wrapping: the key material is imported as a session object (CKA_TOKEN=false, destroyed right
 *   after) and wrapped inside the token with CKM_AES_KEY_WRAP_PAD (RFC 5649); unwrapping creates a
 *   session object inside the token, reads its value and destroys it.
 * - Retiring: a tombstone (a private CKO_DATA token object labelled `<prefix>-retired-<id>`) is
 *   written, then the key object is destroyed, so every process can tell "retired" from "unknown".
 * - Pseudonym keys: generic-secret token objects, sensitive and non-extractable, labelled
 *   `<prefix>-hmac-<name>`; HMAC-SHA256 runs inside the token (CKM_SHA256_HMAC).
 *
 * The token is found by label (slot ids change when tokens are initialised); sessions come from a
 * small pool; close drains the pool before releasing the library.
 * @module
 */
import pkcs11js from 'pkcs11js';
import {
  checkAborted,
  checkKeyName,
  checkWrappable,
  checkWrapped,
  newHmacKeyId,
  newMasterKeyId,
  timeOfId,
} from '../../key-material.js';
import { KmsErrors } from '../../errors.js';
import {
  KWP_ALG,
  type KeyOpOptions,
  type KeyProvider,
  type KeyProviderInfo,
  type MasterKeyInfo,
  type WrappedKey,
} from '../../key-provider.js';
import { isCkr, translatePkcs11Error } from './pkcs11-errors.js';
import { acquireLibrary, type Handle, type LibraryLease, type TokenRef } from './pkcs11-module.js';
import { SessionPool } from './session-pool.js';

const P = pkcs11js;
const TOMBSTONE_APPLICATION = 'hdh';

export interface Pkcs11KeyProviderOptions {
  /** Path of the PKCS#11 library (e.g. libsofthsm2.so, the Proteccio or Luna client library). */
  readonly library: string;
  readonly tokenLabel: string;
  /** The token user PIN. */
  readonly pin: string;
  /** Prefix of every object label hdh creates, so several hubs can share a token. */
  readonly keyLabelPrefix: string;
  /** Where the PIN came from, for describe() (e.g. `environment variable HDH_PKCS11_PIN`). */
  readonly pinSource?: string;
  /** Sessions in the pool (default 4). */
  readonly sessions?: number;
  /** Create a master key when the token has none under this prefix (default true). */
  readonly createMasterKeyIfMissing?: boolean;
}

interface MasterKeyObject {
  readonly id: string;
  readonly handle: Handle;
}

interface HmacKeyObject {
  readonly id: string;
  readonly handle: Handle;
}

function attr(type: number, value?: number | boolean | string | Buffer): pkcs11js.Attribute {
  return value === undefined ? { type } : { type, value };
}

function truthy(value: Buffer | undefined): boolean {
  return value !== undefined && value.length > 0 && value.some((b) => b !== 0);
}

export class Pkcs11KeyProvider implements KeyProvider {
  readonly kind = 'pkcs11' as const;
  readonly #options: Pkcs11KeyProviderOptions;
  readonly #lease: LibraryLease;
  readonly #token: TokenRef;
  readonly #pool: SessionPool;
  readonly #pk: pkcs11js.PKCS11;
  /** Master keys present in the token under our prefix, by id (refreshed by #scan). */
  #masters = new Map<string, MasterKeyObject>();
  /** Retired master keys (tombstones), id → retirement time. */
  #retired = new Map<string, Date>();
  readonly #hmacKeys = new Map<string, Promise<HmacKeyObject>>();
  #closed = false;

  private constructor(options: Pkcs11KeyProviderOptions, lease: LibraryLease, token: TokenRef) {
    this.#options = options;
    this.#lease = lease;
    this.#pk = lease.pk;
    this.#token = token;
    this.#pool = new SessionPool(
      () => lease.openSession(token.slot, options.pin, options.tokenLabel),
      (session) => {
        lease.closeSession(token.slot, session);
      },
      options.sessions ?? 4,
    );
  }

  /**
   * Loads the library, finds the token by label, logs in, and creates the first master key when
   * the token has none under the prefix. KMS_HSM_UNAVAILABLE, KMS_HSM_LOGIN_FAILED, KMS_HSM_ERROR.
   * @example
   * const keys = await Pkcs11KeyProvider.open({ library, tokenLabel: 'hdh', pin, keyLabelPrefix: 'hdh' });
   */
  static async open(options: Pkcs11KeyProviderOptions): Promise<Pkcs11KeyProvider> {
    const lease = acquireLibrary(options.library);
    let provider: Pkcs11KeyProvider | undefined;
    try {
      const token = lease.findToken(options.tokenLabel);
      provider = new Pkcs11KeyProvider(options, lease, token);
      const p = provider;
      const hasActive = await p.#pool.use((s) => {
        p.#scan(s);
        return p.#masters.size > 0;
      }, 'open');
      if (!hasActive) {
        if (options.createMasterKeyIfMissing === false) {
          throw KmsErrors.KMS_KEY_NOT_FOUND(
            `HSM token "${options.tokenLabel}" has no master key labelled "${options.keyLabelPrefix}-mk_…"`,
          );
        }
        await p.createMasterKey();
      }
      return p;
    } catch (err) {
      if (provider !== undefined) {
        await provider.close();
      } else {
        lease.release();
      }
      throw err;
    }
  }

  get #label(): string {
    return this.#options.tokenLabel;
  }

  #fail(err: unknown, what: string): never {
    throw translatePkcs11Error(err, what, this.#label);
  }

  #assertOpen(what: string): void {
    if (this.#closed) {
      throw KmsErrors.KMS_PROVIDER_CLOSED(`HSM provider for token "${this.#label}" was closed (${what})`);
    }
  }

  #find(session: Handle, template: pkcs11js.Template): Handle[] {
    const pk = this.#pk;
    pk.C_FindObjectsInit(session, template);
    try {
      const found: Handle[] = [];
      for (;;) {
        const batch = pk.C_FindObjects(session, 64);
        if (batch.length === 0) {
          return found;
        }
        found.push(...batch);
      }
    } finally {
      pk.C_FindObjectsFinal(session);
    }
  }

  #labelAndId(session: Handle, handle: Handle): { label: string; id: string } {
    const [label, id] = this.#pk.C_GetAttributeValue(session, handle, [attr(P.CKA_LABEL), attr(P.CKA_ID)]);
    return { label: label?.value.toString('utf8') ?? '', id: id?.value.toString('utf8') ?? '' };
  }

  /**
   * Reads the master keys and tombstones under our prefix from the token. Runs before every wrap:
   * another process may have rotated, and wrapping under a key about to be retired would lose data.
   */
  #scan(session: Handle): void {
    const prefix = this.#options.keyLabelPrefix;
    try {
      const retired = new Map<string, Date>();
      const tombstones = this.#find(session, [
        attr(P.CKA_CLASS, P.CKO_DATA),
        attr(P.CKA_TOKEN, true),
        attr(P.CKA_APPLICATION, TOMBSTONE_APPLICATION),
      ]);
      for (const handle of tombstones) {
        const [label, value] = this.#pk.C_GetAttributeValue(session, handle, [
          attr(P.CKA_LABEL),
          attr(P.CKA_VALUE),
        ]);
        const text = label?.value.toString('utf8') ?? '';
        if (!text.startsWith(`${prefix}-retired-`)) {
          continue;
        }
        const id = text.slice(`${prefix}-retired-`.length);
        let at = new Date(0);
        try {
          at = new Date(
            (JSON.parse(value?.value.toString('utf8') ?? '{}') as { retiredAt?: string }).retiredAt ?? 0,
          );
        } catch {
          // A tombstone whose note is unreadable still retires the key.
        }
        retired.set(id, at);
      }
      const masters = new Map<string, MasterKeyObject>();
      const keys = this.#find(session, [
        attr(P.CKA_CLASS, P.CKO_SECRET_KEY),
        attr(P.CKA_KEY_TYPE, P.CKK_AES),
        attr(P.CKA_TOKEN, true),
      ]);
      for (const handle of keys) {
        const { label, id } = this.#labelAndId(session, handle);
        if (!id.startsWith('mk_') || label !== `${prefix}-${id}`) {
          continue;
        }
        if (retired.has(id)) {
          // A retirement interrupted between tombstone and destroy: finish it.
          this.#pk.C_DestroyObject(session, handle);
          continue;
        }
        masters.set(id, { id, handle });
      }
      this.#masters = masters;
      this.#retired = retired;
    } catch (err) {
      this.#fail(err, 'listing master keys');
    }
  }

  #activeMaster(): MasterKeyObject {
    const ids = [...this.#masters.keys()].sort();
    const id = ids[ids.length - 1];
    if (id === undefined) {
      throw KmsErrors.KMS_KEY_NOT_FOUND(`HSM token "${this.#label}" has no active master key`);
    }
    return this.#masters.get(id)!;
  }

  async wrap(keyMaterial: Uint8Array, options: KeyOpOptions = {}): Promise<WrappedKey> {
    checkAborted(options.signal);
    this.#assertOpen('wrap');
    checkWrappable(keyMaterial);
    return this.#pool.use(async (session) => {
      this.#scan(session);
      const master = this.#activeMaster();
      const pk = this.#pk;
      let object: Handle;
      try {
        object = pk.C_CreateObject(session, [
          attr(P.CKA_CLASS, P.CKO_SECRET_KEY),
          attr(P.CKA_KEY_TYPE, P.CKK_GENERIC_SECRET),
          attr(P.CKA_TOKEN, false),
          attr(P.CKA_PRIVATE, true),
          attr(P.CKA_SENSITIVE, false),
          attr(P.CKA_EXTRACTABLE, true),
          attr(P.CKA_VALUE, Buffer.from(keyMaterial)),
        ]);
      } catch (err) {
        this.#fail(err, 'importing key material as a session object');
      }
      try {
        const data = await pk.C_WrapKeyAsync(
          session,
          { mechanism: P.CKM_AES_KEY_WRAP_PAD },
          master.handle,
          object,
          Buffer.alloc(keyMaterial.length + 16),
        );
        return { masterKeyId: master.id, alg: KWP_ALG, data: Buffer.from(data) };
      } catch (err) {
        this.#fail(err, `wrap under master key ${master.id}`);
      } finally {
        pk.C_DestroyObject(session, object);
      }
    }, 'wrap');
  }

  async unwrap(wrapped: WrappedKey, options: KeyOpOptions = {}): Promise<Uint8Array> {
    checkAborted(options.signal);
    this.#assertOpen('unwrap');
    checkWrapped(wrapped);
    return this.#pool.use(async (session) => {
      const pk = this.#pk;
      const id = wrapped.masterKeyId;
      const master = (): MasterKeyObject => {
        const found = this.#masters.get(id);
        if (found !== undefined) {
          return found;
        }
        const retiredAt = this.#retired.get(id);
        if (retiredAt !== undefined) {
          throw KmsErrors.KMS_MASTER_KEY_RETIRED(
            `master key ${id} in HSM token "${this.#label}" was retired on ${retiredAt.toISOString()}; what it wrapped cannot be unwrapped`,
          );
        }
        throw KmsErrors.KMS_KEY_NOT_FOUND(`no master key ${id} in HSM token "${this.#label}"`);
      };
      if (!this.#masters.has(id)) {
        this.#scan(session);
      }
      let handle: Handle;
      try {
        handle = await this.#unwrapObject(session, master().handle, wrapped.data);
      } catch (err) {
        // The key object was destroyed since our last scan (retired by another instance or process).
        if (
          !isCkr(
            err,
            'CKR_KEY_HANDLE_INVALID',
            'CKR_OBJECT_HANDLE_INVALID',
            'CKR_UNWRAPPING_KEY_HANDLE_INVALID',
          )
        ) {
          throw this.#unwrapError(err, id);
        }
        this.#scan(session);
        try {
          handle = await this.#unwrapObject(session, master().handle, wrapped.data);
        } catch (again) {
          throw this.#unwrapError(again, id);
        }
      }
      try {
        const [value] = pk.C_GetAttributeValue(session, handle, [attr(P.CKA_VALUE)]);
        return Buffer.from(value!.value);
      } catch (err) {
        this.#fail(err, 'reading an unwrapped session key');
      } finally {
        pk.C_DestroyObject(session, handle);
      }
    }, 'unwrap');
  }

  #unwrapObject(session: Handle, masterHandle: Handle, data: Uint8Array): Promise<Handle> {
    return this.#pk.C_UnwrapKeyAsync(
      session,
      { mechanism: P.CKM_AES_KEY_WRAP_PAD },
      masterHandle,
      Buffer.from(data),
      [
        attr(P.CKA_CLASS, P.CKO_SECRET_KEY),
        attr(P.CKA_KEY_TYPE, P.CKK_GENERIC_SECRET),
        attr(P.CKA_TOKEN, false),
        attr(P.CKA_PRIVATE, true),
        attr(P.CKA_SENSITIVE, false),
        attr(P.CKA_EXTRACTABLE, true),
      ],
    );
  }

  #unwrapError(err: unknown, masterKeyId: string): Error {
    if (err instanceof Error && (err as { name?: string }).name === 'HdhError') {
      return err;
    }
    // SoftHSM reports a failed RFC 5649 integrity check as CKR_GENERAL_ERROR; others use the
    // dedicated codes.
    if (
      isCkr(
        err,
        'CKR_GENERAL_ERROR',
        'CKR_WRAPPED_KEY_INVALID',
        'CKR_WRAPPED_KEY_LEN_RANGE',
        'CKR_ENCRYPTED_DATA_INVALID',
        'CKR_ENCRYPTED_DATA_LEN_RANGE',
      )
    ) {
      return KmsErrors.KMS_UNWRAP_FAILED(
        `wrapped key does not authenticate under master key ${masterKeyId} in HSM token "${this.#label}"`,
        { cause: err },
      );
    }
    return translatePkcs11Error(err, `unwrap under master key ${masterKeyId}`, this.#label);
  }

  #hmacLabel(name: string): string {
    return `${this.#options.keyLabelPrefix}-hmac-${name}`;
  }

  #findHmacKeys(session: Handle, name: string): HmacKeyObject[] {
    const handles = this.#find(session, [
      attr(P.CKA_CLASS, P.CKO_SECRET_KEY),
      attr(P.CKA_KEY_TYPE, P.CKK_GENERIC_SECRET),
      attr(P.CKA_TOKEN, true),
      attr(P.CKA_LABEL, this.#hmacLabel(name)),
    ]);
    return handles
      .map((handle) => ({ handle, id: this.#labelAndId(session, handle).id }))
      .filter((k) => k.id.startsWith('hk_'))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  #hmacKey(name: string): Promise<HmacKeyObject> {
    checkKeyName(name);
    this.#assertOpen('hmac');
    let pending = this.#hmacKeys.get(name);
    if (pending === undefined) {
      pending = this.#pool.use((session) => this.#findOrCreateHmacKey(session, name), 'hmac key lookup');
      this.#hmacKeys.set(name, pending);
      pending.catch(() => this.#hmacKeys.delete(name));
    }
    return pending;
  }

  #findOrCreateHmacKey(session: Handle, name: string): HmacKeyObject {
    const pk = this.#pk;
    try {
      const existing = this.#findHmacKeys(session, name)[0];
      if (existing !== undefined) {
        return existing;
      }
      const id = newHmacKeyId();
      const handle = pk.C_GenerateKey(session, { mechanism: P.CKM_GENERIC_SECRET_KEY_GEN }, [
        attr(P.CKA_CLASS, P.CKO_SECRET_KEY),
        attr(P.CKA_KEY_TYPE, P.CKK_GENERIC_SECRET),
        attr(P.CKA_VALUE_LEN, 32),
        attr(P.CKA_TOKEN, true),
        attr(P.CKA_PRIVATE, true),
        attr(P.CKA_SENSITIVE, true),
        attr(P.CKA_EXTRACTABLE, false),
        attr(P.CKA_SIGN, true),
        attr(P.CKA_VERIFY, false),
        attr(P.CKA_ENCRYPT, false),
        attr(P.CKA_DECRYPT, false),
        attr(P.CKA_WRAP, false),
        attr(P.CKA_UNWRAP, false),
        attr(P.CKA_DERIVE, false),
        attr(P.CKA_LABEL, this.#hmacLabel(name)),
        attr(P.CKA_ID, Buffer.from(id, 'utf8')),
      ]);
      // Another process may have created the same name meanwhile: everyone keeps the oldest id, and
      // nobody has used a younger one yet since each process settles this before its first HMAC.
      const all = this.#findHmacKeys(session, name);
      const winner = all[0]!;
      if (winner.id !== id) {
        pk.C_DestroyObject(session, handle);
      }
      return winner;
    } catch (err) {
      this.#fail(err, `pseudonym key "${name}" lookup`);
    }
  }

  async hmac(keyName: string, data: Uint8Array, options: KeyOpOptions = {}): Promise<Uint8Array> {
    checkAborted(options.signal);
    const key = await this.#hmacKey(keyName);
    return this.#pool.use(async (session) => {
      try {
        this.#pk.C_SignInit(session, { mechanism: P.CKM_SHA256_HMAC }, key.handle);
        return Buffer.from(await this.#pk.C_SignAsync(session, Buffer.from(data), Buffer.alloc(32)));
      } catch (err) {
        this.#fail(err, `HMAC under pseudonym key "${keyName}" (${key.id})`);
      }
    }, 'hmac');
  }

  async hmacKeyId(keyName: string, options: KeyOpOptions = {}): Promise<string> {
    checkAborted(options.signal);
    return (await this.#hmacKey(keyName)).id;
  }

  async createMasterKey(options: KeyOpOptions = {}): Promise<MasterKeyInfo> {
    checkAborted(options.signal);
    this.#assertOpen('createMasterKey');
    return this.#pool.use((session) => {
      const id = newMasterKeyId();
      try {
        this.#pk.C_GenerateKey(session, { mechanism: P.CKM_AES_KEY_GEN }, [
          attr(P.CKA_CLASS, P.CKO_SECRET_KEY),
          attr(P.CKA_KEY_TYPE, P.CKK_AES),
          attr(P.CKA_VALUE_LEN, 32),
          attr(P.CKA_TOKEN, true),
          attr(P.CKA_PRIVATE, true),
          attr(P.CKA_SENSITIVE, true),
          attr(P.CKA_EXTRACTABLE, false),
          attr(P.CKA_WRAP, true),
          attr(P.CKA_UNWRAP, true),
          attr(P.CKA_ENCRYPT, false),
          attr(P.CKA_DECRYPT, false),
          attr(P.CKA_SIGN, false),
          attr(P.CKA_VERIFY, false),
          attr(P.CKA_DERIVE, false),
          attr(P.CKA_LABEL, `${this.#options.keyLabelPrefix}-${id}`),
          attr(P.CKA_ID, Buffer.from(id, 'utf8')),
        ]);
      } catch (err) {
        this.#fail(err, 'generating a master key');
      }
      this.#scan(session);
      return { id, createdAt: timeOfId(id) ?? new Date(), state: 'active' as const };
    }, 'createMasterKey');
  }

  async retireMasterKey(id: string, options: KeyOpOptions = {}): Promise<void> {
    checkAborted(options.signal);
    this.#assertOpen('retireMasterKey');
    await this.#pool.use((session) => {
      this.#scan(session);
      if (this.#retired.has(id)) {
        return;
      }
      const key = this.#masters.get(id);
      if (key === undefined) {
        throw KmsErrors.KMS_KEY_NOT_FOUND(`no master key ${id} in HSM token "${this.#label}"`);
      }
      if (this.#activeMaster().id === id) {
        throw KmsErrors.KMS_MASTER_KEY_ACTIVE(
          `master key ${id} is the active key in HSM token "${this.#label}"; rotate before retiring it`,
        );
      }
      try {
        this.#pk.C_CreateObject(session, [
          attr(P.CKA_CLASS, P.CKO_DATA),
          attr(P.CKA_TOKEN, true),
          attr(P.CKA_PRIVATE, true),
          attr(P.CKA_APPLICATION, TOMBSTONE_APPLICATION),
          attr(P.CKA_LABEL, `${this.#options.keyLabelPrefix}-retired-${id}`),
          attr(P.CKA_VALUE, Buffer.from(JSON.stringify({ id, retiredAt: new Date().toISOString() }))),
        ]);
        this.#pk.C_DestroyObject(session, key.handle);
      } catch (err) {
        this.#fail(err, `retiring master key ${id}`);
      }
      this.#scan(session);
    }, 'retireMasterKey');
  }

  async describe(options: KeyOpOptions = {}): Promise<KeyProviderInfo> {
    checkAborted(options.signal);
    this.#assertOpen('describe');
    return this.#pool.use((session) => {
      this.#scan(session);
      const pk = this.#pk;
      const active = this.#activeMaster();
      let extractable = false;
      let neverExtractable = true;
      try {
        for (const key of this.#masters.values()) {
          const [ext, sens, never] = pk.C_GetAttributeValue(session, key.handle, [
            attr(P.CKA_EXTRACTABLE),
            attr(P.CKA_SENSITIVE),
            attr(P.CKA_NEVER_EXTRACTABLE),
          ]);
          if (truthy(ext?.value) || !truthy(sens?.value)) {
            extractable = true;
          }
          if (!truthy(never?.value)) {
            neverExtractable = false;
          }
        }
      } catch (err) {
        this.#fail(err, 'reading master key attributes');
      }
      const info = pk.C_GetTokenInfo(this.#token.slot);
      const model = info.model.trim();
      const manufacturer = info.manufacturerID.trim();
      const serial = info.serialNumber.trim();
      const masterKeys: MasterKeyInfo[] = [
        ...[...this.#masters.keys()].map((id) => ({
          id,
          createdAt: timeOfId(id) ?? new Date(0),
          state: id === active.id ? ('active' as const) : ('previous' as const),
        })),
        ...[...this.#retired].map(([id, retiredAt]) => ({
          id,
          createdAt: timeOfId(id) ?? new Date(0),
          state: 'retired' as const,
          retiredAt,
        })),
      ].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return {
        kind: 'pkcs11' as const,
        location: `HSM token "${this.#label}" (${manufacturer} ${model}, serial ${serial}) through PKCS#11 library ${this.#options.library}`,
        extractable,
        access: `holder of the user PIN of HSM token "${this.#label}"${this.#options.pinSource === undefined ? '' : ` (given to hdh through ${this.#options.pinSource})`}`,
        activeMasterKeyId: active.id,
        masterKeys,
        hmacInside: true,
        development: false,
        details: {
          library: this.#options.library,
          tokenLabel: this.#label,
          tokenModel: model,
          tokenManufacturer: manufacturer,
          tokenSerial: serial,
          keyLabelPrefix: this.#options.keyLabelPrefix,
          wrapMechanism: 'CKM_AES_KEY_WRAP_PAD',
          hmacMechanism: 'CKM_SHA256_HMAC',
          neverExtractable: String(neverExtractable),
        },
      };
    }, 'describe');
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    await this.#pool.drain();
    this.#lease.release();
  }
}
