/**
 * The access secret and what is derived from it. One random 256-bit root secret per hub signs access
 * tokens (HS256) and seals TOTP secrets at rest, each under its own HKDF-derived key. By default it
 * lives in `hub_meta`, created on first use, so every hub process sharing the database shares it; the
 * hub may instead pass one derived from its key provider, so that a copy of the database alone can
 * neither forge tokens nor read TOTP secrets.
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type { HubDb } from '../db/index.js';

const META_KEY = 'access.secret';

export interface AccessKeys {
  /** HMAC-SHA-256 key for access tokens, imported once (jose would import raw bytes on every call). */
  readonly tokenKey: KeyObject;
  /** AES-256-GCM key for secrets kept at rest (TOTP). */
  readonly sealKey: Buffer;
}

/** Reads the hub's access secret, creating it if this is the first process to need it. */
export async function loadAccessSecret(hub: Pick<HubDb, 'db'>): Promise<Buffer> {
  const read = async (): Promise<string | undefined> =>
    (await hub.db.selectFrom('hub_meta').select('value').where('key', '=', META_KEY).executeTakeFirst())
      ?.value;
  let value = await read();
  if (value === undefined) {
    // Two processes starting together may both try: the first insert wins, both then read it.
    await hub.db
      .insertInto('hub_meta')
      .values({ key: META_KEY, value: randomBytes(32).toString('base64') })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    value = await read();
  }
  return Buffer.from(value!, 'base64');
}

export function deriveAccessKeys(root: Uint8Array): AccessKeys {
  const derive = (label: string): Buffer =>
    Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), `hdh/access/${label}/v1`, 32));
  return { tokenKey: createSecretKey(derive('access-token-hs256')), sealKey: derive('seal-aes-256-gcm') };
}

/**
 * Seals a small secret with AES-256-GCM; `context` (e.g. the user id) is bound as associated data so a
 * sealed value copied to another row does not open.
 */
export function sealSecret(key: Buffer, plaintext: Uint8Array, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
}

export function openSecret(key: Buffer, sealed: string, context: string): Buffer {
  const [version, iv, body] = sealed.split('.');
  if (version !== 'v1' || iv === undefined || body === undefined) {
    throw new Error('sealed secret has an unknown format');
  }
  const data = Buffer.from(body, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
}

/** Refresh and API tokens carry 256 random bits, so a fast hash is enough to store them. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** An opaque bearer token with a prefix naming its kind (`hdh_rt_…`, `hdh_at_…`). */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}
