/**
 * The append-only, hash-chained audit log in the hub database. Appends are serialised across
 * processes (a dedicated write lock) so the chain stays linear with many writers, e.g. several
 * `hdh worker` processes on one PostgreSQL.
 * @module
 */
import type { Kysely } from 'kysely';
import { newId } from '../core/index.js';
import { serializedTransaction, type Database, type HubDb } from '../db/index.js';
import { AuditErrors } from './errors.js';
import {
  GENESIS_HASH,
  entryHash,
  redactSecrets,
  type AuditEntry,
  type AuditInput,
  type AuditOutcome,
} from './entry.js';

const LOCK = 'hdh.audit';
const PAGE = 1000;

export interface VerifyResult {
  readonly ok: boolean;
  readonly entries: number;
  readonly headSeq: number;
  readonly headHash: string;
  /** The first entry that does not verify, and why. */
  readonly firstBad?: { readonly seq: number; readonly id: string; readonly reason: string };
}

export interface AuditQuery {
  readonly actor?: string;
  readonly action?: string;
  readonly target?: string;
  readonly since?: string;
  readonly afterSeq?: number;
  readonly limit?: number;
}

export class AuditLog {
  readonly #hub: Pick<HubDb, 'db' | 'dialect'>;

  constructor(hub: Pick<HubDb, 'db' | 'dialect'>) {
    this.#hub = hub;
  }

  /** Appends one entry in its own transaction. */
  async record(input: AuditInput): Promise<AuditEntry> {
    return serializedTransaction(this.#hub, LOCK, (trx) => appendEntry(trx, input));
  }

  /**
   * Runs `change` and appends the entry describing it in one transaction: either both are stored or
   * neither. If `change` throws, a `failure` entry is recorded on its own and the error rethrown.
   * `change` must use only `trx` and open no transaction of its own (it would wait for this one).
   */
  async withEntry<T>(
    input: AuditInput,
    change: (trx: Kysely<Database>) => Promise<T>,
    detailsOf?: (result: T) => Record<string, unknown>,
  ): Promise<T> {
    try {
      return await serializedTransaction(this.#hub, LOCK, async (trx) => {
        const result = await change(trx);
        const details = { ...input.details, ...detailsOf?.(result) };
        await appendEntry(trx, { ...input, details });
        return result;
      });
    } catch (err) {
      const error = err as { code?: string; message?: string };
      await this.record({
        ...input,
        outcome: 'failure',
        details: { ...input.details, error: error.code ?? 'INTERNAL_ERROR', message: error.message },
      });
      throw err;
    }
  }

  /**
   * Runs `operation` (which manages its own transactions) and then records its outcome: a success
   * entry with the details of its result, or a failure entry with the error code. Use `withEntry`
   * instead when the change is a few statements that can share the entry's transaction.
   */
  async track<T>(
    input: AuditInput,
    operation: () => Promise<T>,
    detailsOf?: (result: T) => Record<string, unknown>,
  ): Promise<T> {
    let result: T;
    try {
      result = await operation();
    } catch (err) {
      const error = err as { code?: string; message?: string };
      await this.record({
        ...input,
        outcome: isDenied(error.code) ? 'denied' : 'failure',
        details: { ...input.details, error: error.code ?? 'INTERNAL_ERROR', message: error.message },
      });
      throw err;
    }
    await this.record({ ...input, details: { ...input.details, ...detailsOf?.(result) } });
    return result;
  }

  /** Walks the whole chain in order; never throws for a bad chain, it says where it breaks. */
  async verify(): Promise<VerifyResult> {
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let count = 0;
    let afterSeq = 0;
    for (;;) {
      const rows = await this.#hub.db
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(PAGE)
        .execute();
      for (const row of rows) {
        const bad = (reason: string): VerifyResult => ({
          ok: false,
          entries: count,
          headSeq: expectedSeq - 1,
          headHash: prevHash,
          firstBad: { seq: row.seq, id: row.id, reason },
        });
        if (row.seq !== expectedSeq) {
          return bad(
            row.seq > expectedSeq
              ? `entries ${expectedSeq}..${row.seq - 1} are missing (removed)`
              : `sequence number ${row.seq} out of order (inserted)`,
          );
        }
        if (row.prev_hash !== prevHash) {
          return bad(
            'its link to the previous entry does not match (an entry before it was removed, inserted or changed)',
          );
        }
        const computed = entryHash({ ...row, prevHash: row.prev_hash });
        if (computed !== row.hash) {
          return bad('its content does not match its hash (the entry was changed)');
        }
        prevHash = row.hash;
        expectedSeq++;
        count++;
      }
      if (rows.length < PAGE) {
        break;
      }
      afterSeq = rows[rows.length - 1]!.seq;
    }
    return { ok: true, entries: count, headSeq: expectedSeq - 1, headHash: prevHash };
  }

  /** Entries in order, streamed page by page. */
  async *entries(query: AuditQuery = {}): AsyncIterable<AuditEntry> {
    let afterSeq = query.afterSeq ?? 0;
    let remaining = query.limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      let q = this.#hub.db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq);
      if (query.actor !== undefined) {
        q = q.where('actor', '=', query.actor);
      }
      if (query.action !== undefined) {
        q = q.where(
          'action',
          'like',
          query.action.endsWith('*') ? `${query.action.slice(0, -1)}%` : query.action,
        );
      }
      if (query.target !== undefined) {
        q = q.where('target', '=', query.target);
      }
      if (query.since !== undefined) {
        q = q.where('at', '>=', query.since);
      }
      const rows = await q.orderBy('seq').limit(Math.min(PAGE, remaining)).execute();
      for (const row of rows) {
        yield toEntry(row);
      }
      if (rows.length === 0 || rows.length < PAGE) {
        return;
      }
      remaining -= rows.length;
      afterSeq = rows[rows.length - 1]!.seq;
    }
  }

  async head(): Promise<{ seq: number; hash: string }> {
    const row = await this.#hub.db
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: row.seq, hash: row.hash };
  }

  /** Throws AUDIT_CHAIN_BROKEN when the chain does not verify. */
  async assertIntact(): Promise<VerifyResult> {
    const result = await this.verify();
    if (!result.ok) {
      const bad = result.firstBad!;
      throw AuditErrors.AUDIT_CHAIN_BROKEN(`audit entry #${bad.seq} (${bad.id}): ${bad.reason}`, {
        details: { ...bad },
      });
    }
    return result;
  }
}

function isDenied(code: string | undefined): boolean {
  return code === 'ACCESS_DENIED' || code === 'SOVEREIGNTY_PLACEMENT_REFUSED';
}

async function appendEntry(trx: Kysely<Database>, input: AuditInput): Promise<AuditEntry> {
  const last = await trx
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const outcome: AuditOutcome = input.outcome ?? 'success';
  const details = redactSecrets(input.details ?? {});
  const row = {
    seq,
    id: newId('aud'),
    at: new Date().toISOString(),
    actor: input.actor,
    action: input.action,
    target: input.target,
    outcome,
    details: JSON.stringify(details),
  };
  const hash = entryHash({ ...row, prevHash });
  await trx
    .insertInto('audit_log')
    .values({ ...row, prev_hash: prevHash, hash })
    .execute();
  return { ...row, details, prevHash, hash };
}

function toEntry(row: Database['audit_log']): AuditEntry {
  return {
    seq: row.seq,
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome as AuditOutcome,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
