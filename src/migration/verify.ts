/**
 * `hdh migrate verify`: the destination listing merged with the journal in key order. By default
 * every copied object must be present with the size and the fingerprint (the service's ETag of the
 * sealed bytes) recorded when it was written, and nothing else may be under the destination
 * prefix. `deep` re-reads every destination object, checks its sealed SHA-256 and opens it (which
 * authenticates every chunk and checks the plaintext SHA-256); `source` re-reads the source too.
 * @module
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { newId, toHdhError } from '../core/index.js';
import type { ObjectInfo, ObjectStore } from '../storage/index.js';
import { readableOf } from './body.js';
import type { Journal, MigrationRow, ObjectRow } from './journal.js';
import { DEFAULT_RETRY, withRetry } from './retry.js';
import { normaliseEtag } from './source-entry.js';
import type { MigrationDeps } from './types.js';

export type FindingKind = 'missing' | 'extra' | 'mismatch' | 'not-copied' | 'unreadable';

export interface Finding {
  readonly kind: FindingKind;
  readonly key: string;
  readonly seq: number | null;
  readonly detail: string;
}

export interface VerifyOptions {
  readonly deep?: boolean;
  readonly source?: boolean;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** Called for every finding as it is found. */
  readonly onFinding?: (finding: Finding) => void;
}

export interface VerifyReport {
  readonly pass: string;
  readonly migration: string;
  readonly clean: boolean;
  readonly deep: boolean;
  readonly source: boolean;
  /** Objects found right (copied and matching). */
  readonly verified: number;
  readonly missing: number;
  readonly extra: number;
  readonly mismatched: number;
  /** Objects the journal has not copied yet (pending, copying or failed). */
  readonly notCopied: number;
  readonly unreadable: number;
  /** The first findings (all of them are in the journal). */
  readonly findings: readonly Finding[];
  readonly at: string;
}

/** UTF-8 byte order, the order stores list keys in (JS string order differs above U+FFFF). */
export function compareKeys(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\ud7ff]*$/.test(a) && /^[\u0000-\ud7ff]*$/.test(b)) {
    return a < b ? -1 : 1;
  }
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Merges two key-ordered streams: yields pairs with one or both sides present. */
export async function* mergeByKey<L, R>(
  left: AsyncIterable<L>,
  leftKey: (l: L) => string,
  right: AsyncIterable<R>,
  rightKey: (r: R) => string,
): AsyncIterable<{ key: string; left?: L; right?: R }> {
  const li = left[Symbol.asyncIterator]();
  const ri = right[Symbol.asyncIterator]();
  let l = await li.next();
  let r = await ri.next();
  while (l.done !== true || r.done !== true) {
    if (r.done === true || (l.done !== true && compareKeys(leftKey(l.value), rightKey(r.value)) < 0)) {
      const v = l.value as L;
      yield { key: leftKey(v), left: v };
      l = await li.next();
    } else if (l.done === true || compareKeys(leftKey(l.value), rightKey(r.value)) > 0) {
      const v = r.value;
      yield { key: rightKey(v), right: v };
      r = await ri.next();
    } else {
      yield { key: leftKey(l.value), left: l.value, right: r.value };
      l = await li.next();
      r = await ri.next();
    }
  }
}

const FINDINGS_KEPT = 1000;

export async function verifyMigration(
  deps: MigrationDeps,
  journal: Journal,
  migration: MigrationRow,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const now = deps.now ?? (() => new Date());
  const pass = newId('ver');
  const dest = await deps.stores.open(migration.dest_store);
  const counts = { verified: 0, missing: 0, extra: 0, mismatched: 0, notCopied: 0, unreadable: 0 };
  const kept: Finding[] = [];
  let pendingFindings: Finding[] = [];
  const good: number[] = [];
  const bad: number[] = [];
  const deepQueue: ObjectRow[] = [];
  const note = async (f: Finding): Promise<void> => {
    if (kept.length < FINDINGS_KEPT) {
      kept.push(f);
    }
    options.onFinding?.(f);
    pendingFindings.push(f);
    if (pendingFindings.length >= 500) {
      await flushFindings();
    }
  };
  const flushFindings = async (): Promise<void> => {
    const batch = pendingFindings;
    pendingFindings = [];
    await journal.addFindings(migration.name, pass, batch);
  };
  const flushMarks = async (): Promise<void> => {
    await markVerified(journal, migration.name, good.splice(0), now());
    await markBad(journal, migration.name, bad.splice(0));
  };

  const listing = dest.list(migration.dest_prefix, options.signal ? { signal: options.signal } : {});
  for await (const pair of mergeByKey(
    journal.objectsByKey(migration.name, 'dest_key'),
    (o: ObjectRow) => o.dest_key,
    listing,
    (i: ObjectInfo) => i.key,
  )) {
    const row = pair.left;
    const info = pair.right;
    if (row === undefined) {
      counts.extra++;
      await note({
        kind: 'extra',
        key: pair.key,
        seq: null,
        detail: `not in the journal (${info!.size} bytes)`,
      });
      continue;
    }
    switch (row.state) {
      case 'blocked':
      case 'deleted':
        if (info !== undefined) {
          counts.extra++;
          await note({
            kind: 'extra',
            key: pair.key,
            seq: row.seq,
            detail:
              row.state === 'deleted'
                ? 'deleted at the source but present here'
                : `the journal blocked it (${row.error_code ?? ''})`,
          });
        }
        break;
      case 'pending':
      case 'copying':
      case 'failed':
        counts.notCopied++;
        await note({
          kind: 'not-copied',
          key: pair.key,
          seq: row.seq,
          detail: `state ${row.state}${row.error_code ? ` (${row.error_code})` : ''}`,
        });
        break;
      case 'copied':
      case 'verified': {
        if (info === undefined) {
          counts.missing++;
          bad.push(row.seq);
          await note({
            kind: 'missing',
            key: pair.key,
            seq: row.seq,
            detail: 'copied but absent from the destination',
          });
          break;
        }
        const problem = compareListed(row, info);
        if (problem !== undefined) {
          counts.mismatched++;
          bad.push(row.seq);
          await note({ kind: 'mismatch', key: pair.key, seq: row.seq, detail: problem });
        } else if (options.deep || options.source) {
          deepQueue.push(row);
          if (deepQueue.length >= 256) {
            await deepCheck(deps, migration, dest, deepQueue.splice(0), options, counts, good, bad, note);
          }
        } else {
          counts.verified++;
          good.push(row.seq);
        }
        break;
      }
      default:
        break;
    }
    if (good.length + bad.length >= 500) {
      await flushMarks();
    }
  }
  if (deepQueue.length > 0) {
    await deepCheck(deps, migration, dest, deepQueue.splice(0), options, counts, good, bad, note);
  }
  await flushMarks();
  await flushFindings();
  const clean =
    counts.missing + counts.extra + counts.mismatched + counts.notCopied + counts.unreadable === 0;
  const at = now().toISOString();
  const report: VerifyReport = {
    pass,
    migration: migration.name,
    clean,
    deep: options.deep === true,
    source: options.source === true,
    ...counts,
    findings: kept,
    at,
  };
  const summary = { ...report, findings: undefined };
  await journal.transaction(async (trx) => {
    await journal.update(
      migration.name,
      { last_verify_at: at, last_verify_clean: clean ? 1 : 0, last_verify: JSON.stringify(summary) },
      trx,
    );
    if (bad.length > 0 || counts.missing + counts.mismatched + counts.unreadable > 0) {
      await journal.reopenUnits(migration.name, trx);
    }
    await journal.addEvent(migration.name, 'verify', summary, now(), trx);
  });
  await deps.audit.record({
    actor: deps.actor,
    action: 'migration.verify',
    target: migration.name,
    outcome: clean ? 'success' : 'failure',
    details: { pass, deep: report.deep, source: report.source, ...counts },
  });
  return report;
}

function compareListed(row: ObjectRow, info: ObjectInfo): string | undefined {
  if (row.sealed_size !== null && info.size !== row.sealed_size) {
    return `size ${info.size}, the journal recorded ${row.sealed_size}`;
  }
  const etag = normaliseEtag(info.etag);
  if (row.dest_etag !== null && etag !== null && etag !== row.dest_etag) {
    return `fingerprint (ETag) ${etag}, the journal recorded ${row.dest_etag}: the object was rewritten`;
  }
  return undefined;
}

async function markVerified(journal: Journal, migration: string, seqs: number[], at: Date): Promise<void> {
  if (seqs.length === 0) {
    return;
  }
  await journal.db
    .updateTable('migration_objects')
    .set({ state: 'verified', verified_at: at.toISOString() })
    .where('migration', '=', migration)
    .where('seq', 'in', seqs)
    .where('state', 'in', ['copied', 'verified'])
    .execute();
}

/** A destination object that is wrong goes back to pending: the next run copies it again. */
async function markBad(journal: Journal, migration: string, seqs: number[]): Promise<void> {
  if (seqs.length === 0) {
    return;
  }
  await journal.db
    .updateTable('migration_objects')
    .set({
      state: 'pending',
      verified_at: null,
      error_code: 'MIGRATION_DESTINATION_MISMATCH',
      error_message: 'verification found the destination object missing or different; it is copied again',
      retryable: 1,
    })
    .where('migration', '=', migration)
    .where('seq', 'in', seqs)
    .execute();
}

async function sha256Of(body: AsyncIterable<Buffer>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function deepCheck(
  deps: MigrationDeps,
  migration: MigrationRow,
  dest: ObjectStore,
  rows: ObjectRow[],
  options: VerifyOptions,
  counts: { verified: number; mismatched: number; unreadable: number },
  good: number[],
  bad: number[],
  note: (f: Finding) => Promise<void>,
): Promise<void> {
  const source = options.source ? await deps.stores.open(migration.source_store) : undefined;
  const signal = options.signal;
  const retry = <T>(op: () => Promise<T>): Promise<T> =>
    withRetry(op, DEFAULT_RETRY, signal ? { signal } : {});
  const check = async (row: ObjectRow): Promise<Finding | undefined> => {
    try {
      if (options.deep) {
        const body = await retry(() => dest.get(row.dest_key, signal ? { signal } : {}));
        const sealedHash = createHash('sha256');
        const opener = deps.sealer.open(row.object_id, signal ? { signal } : {});
        // The result rejects with the stream when the object is bad; the pipeline reports that.
        opener.result.catch(() => undefined);
        async function* hashed(): AsyncIterable<Buffer> {
          for await (const chunk of body as AsyncIterable<Buffer>) {
            sealedHash.update(chunk);
            yield chunk;
          }
        }
        await pipeline(readableOf(hashed()), opener.stream, async (plain: AsyncIterable<Buffer>) => {
          for await (const _chunk of plain) {
            // Drained: opening checks every chunk; the plaintext is not needed.
          }
        });
        const opened = await opener.result;
        const sealedSha = sealedHash.digest('hex');
        if (row.sealed_sha256 !== null && sealedSha !== row.sealed_sha256) {
          return {
            kind: 'mismatch',
            key: row.dest_key,
            seq: row.seq,
            detail: `sealed SHA-256 ${sealedSha}, the journal recorded ${row.sealed_sha256}`,
          };
        }
        if (row.plain_sha256 !== null && opened.plainSha256 !== row.plain_sha256) {
          return {
            kind: 'mismatch',
            key: row.dest_key,
            seq: row.seq,
            detail: `plaintext SHA-256 ${opened.plainSha256}, the journal recorded ${row.plain_sha256}`,
          };
        }
      }
      if (source !== undefined) {
        const body = await retry(() => source.get(row.source_key, signal ? { signal } : {}));
        const { sha256, size } = await sha256Of(body as AsyncIterable<Buffer>);
        const expected = row.source_sealed === 1 ? row.sealed_sha256 : row.plain_sha256;
        if (size !== row.size || (expected !== null && sha256 !== expected)) {
          return {
            kind: 'mismatch',
            key: row.source_key,
            seq: row.seq,
            detail: `the source now reads ${size} bytes with SHA-256 ${sha256}; the copy was made from ${row.size} bytes with ${expected ?? 'no recorded digest'}`,
          };
        }
      }
      return undefined;
    } catch (err) {
      const e = toHdhError(err);
      return { kind: 'unreadable', key: row.dest_key, seq: row.seq, detail: `${e.code}: ${e.message}` };
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let next = 0;
  const results: (Finding | undefined)[] = new Array<Finding | undefined>(rows.length);
  await Promise.all(
    Array.from({ length: Math.min(concurrency, rows.length) }, async () => {
      while (next < rows.length) {
        const i = next++;
        results[i] = await check(rows[i]!);
      }
    }),
  );
  for (let i = 0; i < rows.length; i++) {
    const f = results[i];
    const row = rows[i]!;
    if (f === undefined) {
      counts.verified++;
      good.push(row.seq);
    } else {
      if (f.kind === 'unreadable') {
        counts.unreadable++;
      } else {
        counts.mismatched++;
      }
      bad.push(row.seq);
      await note(f);
    }
  }
}
