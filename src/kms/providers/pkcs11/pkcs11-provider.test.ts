import { randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../../../core/index.js';
import { kwpUnwrap } from '../../key-material.js';
import { runKeyProviderConformance } from '../../testing/conformance.js';
import {
  destroyTestObjects,
  findByLabelPrefix,
  softHsmAvailable,
  softHsmTestConfig,
  withTestSession,
} from '../../testing/softhsm.js';
import { isCkr, Pkcs11KeyProvider } from './index.js';

const P = pkcs11js;
const config = softHsmTestConfig();
const available = await softHsmAvailable(config);
/** Every object this file creates carries this prefix, so runs never see each other's keys. */
const runPrefix = `t${randomBytes(4).toString('hex')}`;

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

function open(store: string, extra: { pin?: string; tokenLabel?: string; library?: string } = {}) {
  return Pkcs11KeyProvider.open({
    library: extra.library ?? config.library,
    tokenLabel: extra.tokenLabel ?? config.tokenLabel,
    pin: extra.pin ?? config.pin,
    keyLabelPrefix: `${runPrefix}-${store}`,
    pinSource: 'environment variable HDH_TEST_PKCS11_PIN',
  });
}

describe.runIf(available)('pkcs11 on SoftHSM2', () => {
  runKeyProviderConformance({
    name: 'pkcs11',
    create: (store) => open(store),
    cleanup: () => {
      destroyTestObjects(config, `${runPrefix}-`);
      return Promise.resolve();
    },
    expected: { extractable: false, hmacInside: true },
  });

  describe('keys inside the token', () => {
    let provider: Pkcs11KeyProvider;
    beforeAll(async () => {
      provider = await open('inside');
    });
    afterAll(async () => {
      await provider.close();
      destroyTestObjects(config, `${runPrefix}-inside`);
    });

    it('keeps the master key non-extractable: its value cannot be read, exported or made extractable', async () => {
      const info = await provider.describe();
      withTestSession(config, (pk, session) => {
        const [handle] = findByLabelPrefix(pk, session, `${runPrefix}-inside-${info.activeMasterKeyId}`);
        expect(handle).toBeDefined();
        const [ext, sens, never] = pk.C_GetAttributeValue(session, handle!, [
          { type: P.CKA_EXTRACTABLE },
          { type: P.CKA_SENSITIVE },
          { type: P.CKA_NEVER_EXTRACTABLE },
        ]);
        expect([ext!.value[0], sens!.value[0], never!.value[0]]).toEqual([0, 1, 1]);

        let readErr: unknown;
        try {
          pk.C_GetAttributeValue(session, handle!, [{ type: P.CKA_VALUE }]);
        } catch (err) {
          readErr = err;
        }
        expect(isCkr(readErr, 'CKR_ATTRIBUTE_SENSITIVE')).toBe(true);

        let setErr: unknown;
        try {
          pk.C_SetAttributeValue(session, handle!, [{ type: P.CKA_EXTRACTABLE, value: true }]);
        } catch (err) {
          setErr = err;
        }
        expect(isCkr(setErr, 'CKR_ATTRIBUTE_READ_ONLY')).toBe(true);

        const other = pk.C_GenerateKey(session, { mechanism: P.CKM_AES_KEY_GEN }, [
          { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
          { type: P.CKA_KEY_TYPE, value: P.CKK_AES },
          { type: P.CKA_VALUE_LEN, value: 32 },
          { type: P.CKA_TOKEN, value: false },
          { type: P.CKA_WRAP, value: true },
        ]);
        let wrapErr: unknown;
        try {
          pk.C_WrapKey(session, { mechanism: P.CKM_AES_KEY_WRAP_PAD }, other, handle!, Buffer.alloc(64));
        } catch (err) {
          wrapErr = err;
        }
        pk.C_DestroyObject(session, other);
        expect(isCkr(wrapErr, 'CKR_KEY_UNEXTRACTABLE')).toBe(true);
      });
      expect(info.extractable).toBe(false);
      expect(info.details['neverExtractable']).toBe('true');
    });

    it('keeps pseudonym keys in the token, non-extractable', async () => {
      const id = await provider.hmacKeyId('nir');
      withTestSession(config, (pk, session) => {
        const [handle] = findByLabelPrefix(pk, session, `${runPrefix}-inside-hmac-nir`);
        const [cid] = pk.C_GetAttributeValue(session, handle!, [{ type: P.CKA_ID }]);
        expect(cid!.value.toString('utf8')).toBe(id);
        let readErr: unknown;
        try {
          pk.C_GetAttributeValue(session, handle!, [{ type: P.CKA_VALUE }]);
        } catch (err) {
          readErr = err;
        }
        expect(isCkr(readErr, 'CKR_ATTRIBUTE_SENSITIVE')).toBe(true);
      });
    });

    it('leaves no session objects behind after wraps and unwraps', async () => {
      const count = (): number =>
        withTestSession(config, (pk, session) => {
          pk.C_FindObjectsInit(session, [{ type: P.CKA_TOKEN, value: false }]);
          const found = pk.C_FindObjects(session, 1000);
          pk.C_FindObjectsFinal(session);
          return found.length;
        });
      const before = count();
      const wrapped = await Promise.all(Array.from({ length: 10 }, () => provider.wrap(randomBytes(32))));
      await Promise.all(wrapped.map((w) => provider.unwrap(w)));
      await codeOf(provider.unwrap({ ...wrapped[0]!, data: randomBytes(40) }));
      expect(count()).toBe(before);
    });

    it('describes the token: label, model, manufacturer, library', async () => {
      const info = await provider.describe();
      expect(info.kind).toBe('pkcs11');
      expect(info.location).toContain(`"${config.tokenLabel}"`);
      expect(info.location).toContain(config.library);
      expect(info.details['tokenModel']).toBe('SoftHSM v2');
      expect(info.details['tokenManufacturer']).toBe('SoftHSM project');
      expect(info.access).toContain('HDH_TEST_PKCS11_PIN');
      expect(info.development).toBe(false);
    });

    it('wraps in the same RFC 5649 format as OpenSSL (portable between providers)', () => {
      // A known, extractable test KEK inside the token: the token's CKM_AES_KEY_WRAP_PAD output must
      // unwrap with OpenSSL's id-aes256-wrap-pad, which the local provider uses.
      const kek = randomBytes(32);
      const material = randomBytes(48);
      const wrapped = withTestSession(config, (pk, session) => {
        const kekHandle = pk.C_CreateObject(session, [
          { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
          { type: P.CKA_KEY_TYPE, value: P.CKK_AES },
          { type: P.CKA_TOKEN, value: false },
          { type: P.CKA_VALUE, value: kek },
          { type: P.CKA_WRAP, value: true },
        ]);
        const object = pk.C_CreateObject(session, [
          { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
          { type: P.CKA_KEY_TYPE, value: P.CKK_GENERIC_SECRET },
          { type: P.CKA_TOKEN, value: false },
          { type: P.CKA_VALUE, value: material },
          { type: P.CKA_EXTRACTABLE, value: true },
        ]);
        const out = pk.C_WrapKey(
          session,
          { mechanism: P.CKM_AES_KEY_WRAP_PAD },
          kekHandle,
          object,
          Buffer.alloc(64),
        );
        pk.C_DestroyObject(session, object);
        pk.C_DestroyObject(session, kekHandle);
        return Buffer.from(out);
      });
      expect(kwpUnwrap(kek, wrapped)).toEqual(material);
    });
  });

  describe('opening', () => {
    it('refuses a wrong PIN with KMS_HSM_LOGIN_FAILED', async () => {
      expect(await codeOf(open('pin', { pin: '00000000' }))).toBe('KMS_HSM_LOGIN_FAILED');
    });

    it('says KMS_HSM_UNAVAILABLE for an unknown token label or a missing library, naming it', async () => {
      const noToken = await open('x', { tokenLabel: 'no-such-token' }).catch((e: unknown) => e);
      expect(isHdhError(noToken, 'KMS_HSM_UNAVAILABLE')).toBe(true);
      expect((noToken as Error).message).toContain('no-such-token');
      const noLib = await open('x', { library: '/nonexistent/libpkcs11.so' }).catch((e: unknown) => e);
      expect(isHdhError(noLib, 'KMS_HSM_UNAVAILABLE')).toBe(true);
      expect((noLib as Error).message).toContain('/nonexistent/libpkcs11.so');
    });

    it('refuses a second instance with another PIN while the first is logged in', async () => {
      const first = await open('pin2');
      expect(await codeOf(open('pin2', { pin: '00000000' }))).toBe('KMS_HSM_LOGIN_FAILED');
      await first.close();
      destroyTestObjects(config, `${runPrefix}-pin2`);
    });
  });
});
