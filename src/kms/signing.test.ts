import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, calculateJwkThumbprint, CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { testDialects, type TestDb } from '../db/testing.js';
import { initLocalKeyring, LocalKeyProvider } from './providers/local/index.js';
import { HubSigner, SIGNING_KEY_META, verifyDetached, type Ed25519PublicJwk } from './signing.js';

const dialects = await testDialects();
const PASSPHRASE = 'signing test passphrase';

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

/** A signature made by someone else's key, shaped exactly like the hub's. */
async function foreignSignature(payload: Uint8Array): Promise<{ jws: string; jwk: Ed25519PublicJwk }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk: Ed25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: publicKey.export({ format: 'jwk' }).x! };
  const kid = await calculateJwkThumbprint(jwk);
  const jws = await new CompactSign(payload)
    .setProtectedHeader({ alg: 'EdDSA', kid, jwk: { ...jwk } })
    .sign(privateKey);
  const [h, , s] = jws.split('.');
  return { jws: `${h}..${s}`, jwk };
}

describe.each(dialects)('$name: hub signing key', (dialect) => {
  let hub: TestDb;
  let dir: string;
  let provider: LocalKeyProvider;
  let signer: HubSigner;
  const payload = Buffer.from('{"report":"sovereignty","stores":3}');

  beforeAll(async () => {
    hub = await dialect.open();
    dir = await mkdtemp(join(tmpdir(), 'hdh-sign-'));
    const file = join(dir, 'keyring.json');
    await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: { memoryKiB: 1024, iterations: 1 } });
    provider = await LocalKeyProvider.open({ file, passphrase: PASSPHRASE });
  });

  afterAll(async () => {
    await provider.close();
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is created once, whoever asks first, and stored wrapped by the master key', async () => {
    const loaded = await Promise.all([HubSigner.load(hub, provider), HubSigner.load(hub, provider)]);
    signer = loaded[0];
    expect(loaded[1].kid).toBe(signer.kid);
    expect(signer.kid).toBe(await calculateJwkThumbprint(signer.publicJwk));
    const row = await hub.db
      .selectFrom('hub_meta')
      .select('value')
      .where('key', '=', SIGNING_KEY_META)
      .executeTakeFirstOrThrow();
    const stored = JSON.parse(row.value) as Record<string, unknown> & {
      wrapped: { data: string; masterKeyId: string };
    };
    expect(stored['kid']).toBe(signer.kid);
    expect(stored['publicJwk']).toEqual(signer.publicJwk);
    expect(stored.wrapped.masterKeyId).toBe((await provider.describe()).activeMasterKeyId);
    expect(Buffer.from(stored.wrapped.data, 'base64').length).toBe(56);
    expect(row.value).not.toContain('"d"');

    const again = await HubSigner.load(hub, provider);
    expect(again.kid).toBe(signer.kid);
  });

  it('signs detached (header..signature) and verifies, with or without the expected key', async () => {
    const jws = await signer.signDetached(payload);
    expect(jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
    const header = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(header).toEqual({ alg: 'EdDSA', kid: signer.kid, jwk: signer.publicJwk });
    expect(await verifyDetached(jws, payload)).toEqual({ kid: signer.kid, jwk: signer.publicJwk });
    expect(await verifyDetached(jws, payload, signer.publicJwk)).toEqual({
      kid: signer.kid,
      jwk: signer.publicJwk,
    });
  });

  it('refuses altered content, an altered signature and malformed input with KMS_SIGNATURE_INVALID', async () => {
    const jws = await signer.signDetached(payload);
    const [h, , s] = jws.split('.') as [string, string, string];
    const altered = Buffer.from(payload);
    altered[3] = altered[3]! ^ 1;
    const badSig = Buffer.from(s, 'base64url');
    badSig[10] = badSig[10]! ^ 1;
    const cases: [string, Uint8Array][] = [
      [jws, altered],
      [`${h}..${base64url.encode(badSig)}`, payload],
      [`${h}.${base64url.encode(payload)}.${s}`, payload], // attached, not detached
      ['not a jws', payload],
      [`${h}..`, payload],
      [`e30..${s}`, payload], // header {}
    ];
    for (const [candidate, content] of cases) {
      expect(await codeOf(verifyDetached(candidate, content)), candidate).toBe('KMS_SIGNATURE_INVALID');
    }
  });

  it('refuses a signature by another key when the hub key is expected', async () => {
    const forged = await foreignSignature(payload);
    // Self-consistent, so it verifies on its own: the expected key is what makes it a hub signature.
    expect((await verifyDetached(forged.jws, payload)).jwk).toEqual(forged.jwk);
    const err = await verifyDetached(forged.jws, payload, signer.publicJwk).catch((e: unknown) => e);
    expect(isHdhError(err, 'KMS_SIGNATURE_INVALID')).toBe(true);
    expect((err as Error).message).toContain(signer.kid);
  });

  it('refuses a header whose kid does not match its key', async () => {
    const forged = await foreignSignature(payload);
    const [h, , s] = forged.jws.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    const swapped = base64url.encode(JSON.stringify({ ...header, kid: signer.kid }));
    expect(await codeOf(verifyDetached(`${swapped}..${s}`, payload))).toBe('KMS_SIGNATURE_INVALID');
  });

  it('refuses to load a record whose wrapped key does not match its public key', async () => {
    const row = await hub.db
      .selectFrom('hub_meta')
      .select('value')
      .where('key', '=', SIGNING_KEY_META)
      .executeTakeFirstOrThrow();
    const forged = await foreignSignature(payload);
    const tampered = { ...(JSON.parse(row.value) as object), publicJwk: forged.jwk };
    await hub.db
      .updateTable('hub_meta')
      .set({ value: JSON.stringify(tampered) })
      .where('key', '=', SIGNING_KEY_META)
      .execute();
    try {
      expect(await codeOf(HubSigner.load(hub, provider))).toBe('KMS_UNWRAP_FAILED');
    } finally {
      await hub.db
        .updateTable('hub_meta')
        .set({ value: row.value })
        .where('key', '=', SIGNING_KEY_META)
        .execute();
    }
    expect((await HubSigner.load(hub, provider)).kid).toBe(signer.kid);
  });
});
