/**
 * The conformance suite every KeyProvider passes (local keyring, PKCS#11 on SoftHSM2, any future
 * one). It checks behaviour through the contract only, so a provider that passes is a drop-in.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../../core/index.js';
import { KWP_ALG, type KeyProvider, type WrappedKey } from '../key-provider.js';

export interface KeyProviderConformanceOptions {
  readonly name: string;
  /**
   * Opens a new provider instance over the key store named `store`, creating the store on first use.
   * Two calls with the same name must see the same keys (the suite reopens); different names must
   * have independent keys.
   */
  readonly create: (store: string) => Promise<KeyProvider>;
  /** Removes every store the suite created; runs after the suite closed its providers. */
  readonly cleanup?: () => Promise<void>;
  /** What describe() must say about this provider. */
  readonly expected: { readonly extractable: boolean; readonly hmacInside: boolean };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isHdhError(err)) {
      return err.code;
    }
    throw err;
  }
  return 'no error';
}

function flip(wrapped: WrappedKey, index: number): WrappedKey {
  const data = Buffer.from(wrapped.data);
  data[index] = data[index]! ^ 0x01;
  return { ...wrapped, data };
}

/**
 * Registers the suite with vitest.
 * @example
 * runKeyProviderConformance({ name: 'local', create: (s) => openKeyring(s), expected: { extractable: true, hmacInside: false } });
 */
export function runKeyProviderConformance(options: KeyProviderConformanceOptions): void {
  const { name, create, expected } = options;

  describe(`${name}: KeyProvider conformance`, () => {
    let provider: KeyProvider;
    const opened: KeyProvider[] = [];
    const open = async (store: string): Promise<KeyProvider> => {
      const p = await create(store);
      opened.push(p);
      return p;
    };

    beforeAll(async () => {
      provider = await open('main');
    });

    afterAll(async () => {
      for (const p of opened) {
        await p.close();
      }
      await options.cleanup?.();
    });

    it('wraps and unwraps key material of every accepted length under the active master key', async () => {
      const info = await provider.describe();
      for (const length of [16, 32, 48, 64, 4096]) {
        const material = randomBytes(length);
        const wrapped = await provider.wrap(material);
        expect(wrapped.alg).toBe(KWP_ALG);
        expect(wrapped.masterKeyId).toBe(info.activeMasterKeyId);
        expect(wrapped.data.length).toBe(length + 8);
        expect(Buffer.from(wrapped.data).includes(material)).toBe(false);
        expect(Buffer.from(await provider.unwrap(wrapped))).toEqual(material);
      }
    });

    it('refuses key material of a length KWP cannot carry portably', async () => {
      for (const length of [0, 8, 33, 4104]) {
        expect(await codeOf(provider.wrap(randomBytes(length)))).toBe('INPUT_INVALID');
      }
    });

    it('refuses a tampered, truncated, extended or mislabelled wrapped key with KMS_UNWRAP_FAILED', async () => {
      const wrapped = await provider.wrap(randomBytes(32));
      for (const index of [0, 7, 8, 20, 39]) {
        expect(await codeOf(provider.unwrap(flip(wrapped, index)))).toBe('KMS_UNWRAP_FAILED');
      }
      const data = Buffer.from(wrapped.data);
      expect(await codeOf(provider.unwrap({ ...wrapped, data: data.subarray(0, 32) }))).toBe(
        'KMS_UNWRAP_FAILED',
      );
      expect(await codeOf(provider.unwrap({ ...wrapped, data: Buffer.concat([data, randomBytes(8)]) }))).toBe(
        'KMS_UNWRAP_FAILED',
      );
      expect(await codeOf(provider.unwrap({ ...wrapped, alg: 'AES-256-GCM' }))).toBe('KMS_UNWRAP_FAILED');
    });

    it('answers KMS_KEY_NOT_FOUND for a master key it does not have (another store)', async () => {
      const other = await open('other');
      const wrapped = await other.wrap(randomBytes(32));
      expect(await codeOf(provider.unwrap(wrapped))).toBe('KMS_KEY_NOT_FOUND');
      expect(await codeOf(provider.unwrap({ ...wrapped, masterKeyId: 'mk_unknown' }))).toBe(
        'KMS_KEY_NOT_FOUND',
      );
    });

    it('computes HMAC-SHA256 deterministically per key name, differently across names and stores', async () => {
      const data = Buffer.from('1850775123456|1985-02-14');
      const a1 = Buffer.from(await provider.hmac('conf-a', data));
      const a2 = Buffer.from(await provider.hmac('conf-a', data));
      const b = Buffer.from(await provider.hmac('conf-b', data));
      const aOther = Buffer.from(await provider.hmac('conf-a', Buffer.from('1850775123456|1985-02-15')));
      const other = await open('other');
      const elsewhere = Buffer.from(await other.hmac('conf-a', data));
      expect(a1.length).toBe(32);
      expect(a1).toEqual(a2);
      expect(b).not.toEqual(a1);
      expect(aOther).not.toEqual(a1);
      expect(elsewhere).not.toEqual(a1);
      expect(await provider.hmacKeyId('conf-a')).not.toBe(await provider.hmacKeyId('conf-b'));
      expect(await provider.hmacKeyId('conf-a')).not.toBe(await other.hmacKeyId('conf-a'));
    });

    it('refuses an invalid pseudonym key name', async () => {
      for (const bad of ['', '-x', 'a b', 'x'.repeat(65), 'é']) {
        expect(await codeOf(provider.hmac(bad, Buffer.from('x')))).toBe('INPUT_INVALID');
      }
    });

    it('describes where the master key lives and who can use it', async () => {
      const info = await provider.describe();
      expect(info.kind).toBe(provider.kind);
      expect(info.location.length).toBeGreaterThan(0);
      expect(info.access.length).toBeGreaterThan(0);
      expect(info.extractable).toBe(expected.extractable);
      expect(info.hmacInside).toBe(expected.hmacInside);
      expect(typeof info.development).toBe('boolean');
      const active = info.masterKeys.filter((k) => k.state === 'active');
      expect(active.map((k) => k.id)).toEqual([info.activeMasterKeyId]);
      expect(active[0]!.createdAt).toBeInstanceOf(Date);
      expect(Number.isNaN(active[0]!.createdAt.getTime())).toBe(false);
    });

    it('rotates: old wraps stay readable until their master key is retired, then fail', async () => {
      const before = await provider.describe();
      const oldMaterial = randomBytes(32);
      const oldWrapped = await provider.wrap(oldMaterial);
      expect(await codeOf(provider.retireMasterKey(before.activeMasterKeyId))).toBe('KMS_MASTER_KEY_ACTIVE');

      const created = await provider.createMasterKey();
      expect(created.state).toBe('active');
      expect(created.id).not.toBe(before.activeMasterKeyId);
      const during = await provider.describe();
      expect(during.activeMasterKeyId).toBe(created.id);
      expect(during.masterKeys.find((k) => k.id === before.activeMasterKeyId)?.state).toBe('previous');

      const newMaterial = randomBytes(32);
      const newWrapped = await provider.wrap(newMaterial);
      expect(newWrapped.masterKeyId).toBe(created.id);
      expect(Buffer.from(await provider.unwrap(oldWrapped))).toEqual(oldMaterial);

      // A second instance sees the rotation (another hdh process on the same keys).
      const sibling = await open('main');
      expect((await sibling.describe()).activeMasterKeyId).toBe(created.id);
      expect(Buffer.from(await sibling.unwrap(newWrapped))).toEqual(newMaterial);

      await provider.retireMasterKey(before.activeMasterKeyId);
      await provider.retireMasterKey(before.activeMasterKeyId); // idempotent
      expect(await codeOf(provider.unwrap(oldWrapped))).toBe('KMS_MASTER_KEY_RETIRED');
      expect(await codeOf(sibling.unwrap(oldWrapped))).toBe('KMS_MASTER_KEY_RETIRED');
      expect(Buffer.from(await provider.unwrap(newWrapped))).toEqual(newMaterial);
      const after = await provider.describe();
      const retired = after.masterKeys.find((k) => k.id === before.activeMasterKeyId);
      expect(retired?.state).toBe('retired');
      expect(retired?.retiredAt).toBeInstanceOf(Date);
      expect(await codeOf(provider.retireMasterKey('mk_unknown'))).toBe('KMS_KEY_NOT_FOUND');
    });

    it('reads everything back through a new instance', async () => {
      const material = randomBytes(32);
      const wrapped = await provider.wrap(material);
      const mac = Buffer.from(await provider.hmac('conf-reopen', Buffer.from('abc')));
      const id = await provider.hmacKeyId('conf-reopen');
      const info = await provider.describe();

      const reopened = await open('main');
      expect(Buffer.from(await reopened.unwrap(wrapped))).toEqual(material);
      expect(Buffer.from(await reopened.hmac('conf-reopen', Buffer.from('abc')))).toEqual(mac);
      expect(await reopened.hmacKeyId('conf-reopen')).toBe(id);
      const again = await reopened.describe();
      expect(again.activeMasterKeyId).toBe(info.activeMasterKeyId);
      expect(again.masterKeys.map((k) => [k.id, k.state])).toEqual(
        info.masterKeys.map((k) => [k.id, k.state]),
      );
    });

    it('creates one pseudonym key when many callers ask for a new name at once', async () => {
      const sibling = await open('main');
      const ids = await Promise.all(
        Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? provider : sibling).hmacKeyId('conf-race')),
      );
      expect(new Set(ids).size).toBe(1);
      const macs = await Promise.all(
        [provider, sibling].map(async (p) =>
          Buffer.from(await p.hmac('conf-race', Buffer.from('x'))).toString('hex'),
        ),
      );
      expect(macs[0]).toBe(macs[1]);
    });

    it('serves many wraps, unwraps and HMACs in parallel', async () => {
      const materials = Array.from({ length: 64 }, () => randomBytes(32));
      const wrapped = await Promise.all(materials.map((m) => provider.wrap(m)));
      const [unwrapped, macs] = await Promise.all([
        Promise.all(wrapped.map((w) => provider.unwrap(w))),
        Promise.all(materials.map((m, i) => provider.hmac(`conf-par-${i % 4}`, m))),
      ]);
      unwrapped.forEach((u, i) => {
        expect(Buffer.from(u)).toEqual(materials[i]);
      });
      const again = await Promise.all(materials.map((m, i) => provider.hmac(`conf-par-${i % 4}`, m)));
      macs.forEach((m, i) => {
        expect(Buffer.from(m)).toEqual(Buffer.from(again[i]!));
      });
    });

    it('honours an aborted signal', async () => {
      const controller = new AbortController();
      controller.abort();
      expect(await codeOf(provider.wrap(randomBytes(32), { signal: controller.signal }))).toBe(
        'OPERATION_ABORTED',
      );
      expect(await codeOf(provider.hmac('conf-a', Buffer.from('x'), { signal: controller.signal }))).toBe(
        'OPERATION_ABORTED',
      );
    });

    it('refuses work after close, and close is idempotent', async () => {
      const p = await open('main');
      const wrapped = await p.wrap(randomBytes(32));
      await p.close();
      await p.close();
      expect(await codeOf(p.unwrap(wrapped))).toBe('KMS_PROVIDER_CLOSED');
      expect(await codeOf(p.hmac('conf-a', Buffer.from('x')))).toBe('KMS_PROVIDER_CLOSED');
    });
  });
}
