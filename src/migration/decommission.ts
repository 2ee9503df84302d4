/**
 * `hdh migrate decommission --confirm`: deletes the source objects of a cut-over migration whose
 * verification is clean, then issues a certificate that the data has left the source — the
 * objects (a manifest of keys and digests, whose SHA-256 the certificate carries), the
 * destination, the times — signed with the hub's key (detached JWS).
 * @module
 */
import { createHash } from 'node:crypto';
import { isHdhError, toHdhError } from '../core/index.js';
import { cleanliness } from './cutover.js';
import { MigrationErrors } from './errors.js';
import type { Journal, MigrationRow } from './journal.js';
import { DEFAULT_RETRY, withRetry } from './retry.js';
import type { MigrationDeps } from './types.js';

export interface CertificateBody {
  readonly type: 'hdh-migration-certificate';
  readonly version: 1;
  readonly migration: string;
  readonly statement: string;
  readonly source: { readonly store: string; readonly prefix: string; readonly provider: string };
  readonly destination: { readonly store: string; readonly prefix: string; readonly provider: string };
  readonly objects: number;
  readonly bytes: number;
  /** SHA-256 of the manifest: one JSON line per object, in journal order. */
  readonly manifestSha256: string;
  readonly times: {
    readonly created: string;
    readonly planned: string | null;
    readonly lastCopy: string | null;
    readonly verified: string | null;
    readonly cutover: string | null;
    readonly decommissioned: string;
  };
}

export interface Certificate {
  readonly certificate: CertificateBody;
  /** Detached JWS over the UTF-8 JSON of `certificate` exactly as serialised here. */
  readonly signature: string;
  /** The exact bytes signed, so a verifier need not re-serialise. */
  readonly signedJson: string;
}

export interface ManifestLine {
  readonly source: string;
  readonly destination: string;
  readonly size: number;
  readonly plainSha256: string | null;
  readonly sealedSha256: string | null;
  readonly keyId: string | null;
  readonly copiedAt: string | null;
  readonly verifiedAt: string | null;
}

export interface DecommissionOptions {
  readonly confirm: boolean;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** Receives every manifest line (JSON, no newline), in order, e.g. to write the manifest file. */
  readonly onManifestLine?: (line: string) => void | Promise<void>;
}

export interface DecommissionResult {
  readonly deleted: number;
  readonly failed: readonly { readonly key: string; readonly code: string; readonly message: string }[];
  /** Present when every source object is gone. */
  readonly certificate?: Certificate;
}

export async function decommission(
  deps: MigrationDeps,
  journal: Journal,
  m: MigrationRow,
  options: DecommissionOptions,
): Promise<DecommissionResult> {
  const now = deps.now ?? (() => new Date());
  if (!options.confirm) {
    throw MigrationErrors.MIGRATION_STATE(
      `decommission deletes every source object of "${m.name}" from ${m.source_store}: pass --confirm`,
    );
  }
  if (m.state !== 'cut-over') {
    throw MigrationErrors.MIGRATION_STATE(
      `migration "${m.name}" is ${m.state}; decommission needs a cut-over migration`,
    );
  }
  if (deps.signer === undefined) {
    throw MigrationErrors.MIGRATION_STATE(
      'no signing key is configured: decommission cannot issue its certificate',
    );
  }
  const problems = (await cleanliness(journal, m)).filter((p) => !p.includes('sync'));
  if (problems.length > 0) {
    throw MigrationErrors.MIGRATION_NOT_CLEAN(
      `migration "${m.name}" cannot be decommissioned: ${problems.join('; ')}`,
      {
        details: { problems },
      },
    );
  }
  const source = await deps.stores.open(m.source_store);
  const failed: { key: string; code: string; message: string }[] = [];
  let deleted = 0;
  const batch: number[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) {
      return;
    }
    await journal.db
      .updateTable('migration_objects')
      .set({ source_deleted_at: now().toISOString() })
      .where('migration', '=', m.name)
      .where('seq', 'in', batch.splice(0))
      .execute();
  };
  const queue: { seq: number; key: string }[] = [];
  const drain = async (): Promise<void> => {
    const items = queue.splice(0);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency ?? 8, items.length) }, async () => {
        while (next < items.length) {
          const item = items[next++]!;
          try {
            await withRetry(
              () => source.delete(item.key),
              DEFAULT_RETRY,
              options.signal ? { signal: options.signal } : {},
            );
            deleted++;
            batch.push(item.seq);
          } catch (err) {
            if (isHdhError(err, 'STORAGE_NOT_FOUND')) {
              deleted++;
              batch.push(item.seq);
            } else {
              const e = toHdhError(err);
              failed.push({ key: item.key, code: e.code, message: e.message });
            }
          }
        }
      }),
    );
    await flush();
  };
  for await (const row of journal.objectsIn(m.name, ['verified'])) {
    if (row.source_deleted_at !== null) {
      continue;
    }
    queue.push({ seq: row.seq, key: row.source_key });
    if (queue.length >= 500) {
      await drain();
    }
  }
  await drain();
  await journal.addEvent(m.name, 'decommission-delete', { deleted, failed: failed.length }, now());
  if (failed.length > 0) {
    await deps.audit.record({
      actor: deps.actor,
      action: 'migration.decommission',
      target: m.name,
      outcome: 'failure',
      details: { deleted, failed: failed.length, firstFailure: failed[0] },
    });
    return { deleted, failed };
  }

  // Every source object is gone: build the manifest and the certificate.
  const manifestHash = createHash('sha256');
  let objects = 0;
  let bytes = 0;
  for await (const row of journal.objectsIn(m.name, ['verified'])) {
    const line: ManifestLine = {
      source: row.source_key,
      destination: row.dest_key,
      size: row.size,
      plainSha256: row.plain_sha256,
      sealedSha256: row.sealed_sha256,
      keyId: row.key_id,
      copiedAt: row.copied_at,
      verifiedAt: row.verified_at,
    };
    const json = JSON.stringify(line);
    manifestHash.update(`${json}\n`);
    await options.onManifestLine?.(json);
    objects++;
    bytes += row.size;
  }
  const at = now().toISOString();
  const certificate: CertificateBody = {
    type: 'hdh-migration-certificate',
    version: 1,
    migration: m.name,
    statement: `Every object listed in the manifest was copied to ${m.dest_store}:${m.dest_prefix}, verified there, and deleted from ${m.source_store}:${m.source_prefix}.`,
    source: {
      store: m.source_store,
      prefix: m.source_prefix,
      provider: deps.stores.describe(m.source_store).provider,
    },
    destination: {
      store: m.dest_store,
      prefix: m.dest_prefix,
      provider: deps.stores.describe(m.dest_store).provider,
    },
    objects,
    bytes,
    manifestSha256: manifestHash.digest('hex'),
    times: {
      created: m.created_at,
      planned: m.planned_at,
      lastCopy: m.last_copy_at,
      verified: m.last_verify_at,
      cutover: m.cutover_at,
      decommissioned: at,
    },
  };
  const signedJson = JSON.stringify(certificate);
  const signature = await deps.signer.signDetached(Buffer.from(signedJson, 'utf8'));
  const result: Certificate = { certificate, signature, signedJson };
  await journal.transaction(async (trx) => {
    await journal.update(
      m.name,
      { state: 'decommissioned', decommissioned_at: at, certificate: JSON.stringify(result) },
      trx,
    );
    await journal.addEvent(
      m.name,
      'decommission',
      { objects, bytes, manifestSha256: certificate.manifestSha256 },
      now(),
      trx,
    );
  });
  await deps.audit.record({
    actor: deps.actor,
    action: 'migration.decommission',
    target: m.name,
    details: { objects, bytes, manifestSha256: certificate.manifestSha256, source: m.source_store },
  });
  return { deleted, failed, certificate: result };
}
