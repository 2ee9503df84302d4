/**
 * The migration journal in the hub database: every query the planner, the workers, verify, cutover
 * and the reports run, on SQLite and PostgreSQL alike. Writes are batched by the callers; nothing
 * here holds more than one page of rows in memory.
 * @module
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { newId } from '../core/index.js';
import type { Database, MigrationObjectsTable, MigrationsTable, MigrationUnitsTable } from '../db/index.js';
import { MigrationErrors } from './errors.js';
import type { JournalDb } from './types.js';

export type MigrationRow = Selectable<MigrationsTable>;
export type ObjectRow = Selectable<MigrationObjectsTable>;
export type UnitRow = Selectable<MigrationUnitsTable>;

/**
 * Where an object stands. Every object is in exactly one state at a time:
 * `pending` → `copying` (a multipart upload is open) → `copied` → `verified`;
 * `failed` (a coded error; retried by the next run when retryable); `blocked` (the destination
 * cannot take it: too large, key too long, archived); `deleted` (gone from the source, recorded by sync).
 */
export const OBJECT_STATES = [
  'pending',
  'copying',
  'copied',
  'verified',
  'failed',
  'blocked',
  'deleted',
] as const;
export type ObjectState = (typeof OBJECT_STATES)[number];

/** Migration life cycle: planned → running → cut-over ⇄ rolled-back → decommissioned; or refused. */
export type MigrationState =
  'planning' | 'planned' | 'refused' | 'running' | 'cut-over' | 'rolled-back' | 'decommissioned';

/** Rows per INSERT statement: under SQLite's and PostgreSQL's bound-parameter limits. */
export const INSERT_BATCH = 500;

export type NewObject = Omit<
  MigrationObjectsTable,
  | 'state'
  | 'attempts'
  | 'retries'
  | 'error_code'
  | 'error_message'
  | 'retryable'
  | 'source_sealed'
  | 'key_id'
  | 'plain_size'
  | 'plain_sha256'
  | 'sealed_size'
  | 'sealed_sha256'
  | 'dest_etag'
  | 'upload_id'
  | 'part_size'
  | 'seal_header'
  | 'copied_at'
  | 'verified_at'
  | 'source_deleted_at'
  | 'hub_record'
> & {
  readonly state: 'pending' | 'blocked';
  readonly error_code: string | null;
  readonly error_message: string | null;
};

/** What a copy made of one object: the sealed bytes written and what they seal. */
export interface SealedCopy {
  readonly sourceSealed: boolean;
  /** The id a sealed source object carries in its header (kept as it is). */
  readonly objectId?: string;
  readonly keyId: string | null;
  readonly plainSize: number | null;
  readonly plainSha256: string | null;
  readonly sealedSize: number;
  readonly sealedSha256: string;
}

/** Outcome of one object's copy, written by {@link Journal.recordOutcomes}. */
export type ObjectOutcome =
  | (SealedCopy & {
      readonly seq: number;
      readonly kind: 'copied';
      readonly destEtag: string | null;
      readonly retries: number;
      readonly at: string;
    })
  | {
      readonly seq: number;
      readonly kind: 'failed';
      readonly code: string;
      readonly message: string;
      readonly retryable: boolean;
      readonly retries: number;
    }
  | {
      /** The source changed under the copy: back to pending with what the source now says. */
      readonly seq: number;
      readonly kind: 'changed';
      readonly size: number;
      readonly etag: string | null;
      readonly md5: string | null;
      readonly lastModified: string;
      readonly retries: number;
    };

type CopiedOutcome = Extract<ObjectOutcome, { kind: 'copied' }>;

/** Copied outcomes written per statement (11 parameters each). */
const COPIED_BATCH = 200;

/**
 * Records copied objects, many per statement: the copy of a small object costs less than building,
 * compiling and running one UPDATE for it. The same SQL for SQLite (3.33+) and PostgreSQL; every
 * value is cast so that PostgreSQL knows the types of the VALUES columns.
 */
async function recordCopied(
  trx: Transaction<Database>,
  migration: string,
  copied: readonly CopiedOutcome[],
): Promise<void> {
  const text = (v: string | null) => sql`cast(${v} as text)`;
  const int = (v: number | null) => sql`cast(${v} as bigint)`;
  const rows = copied.map(
    (o) =>
      sql`(${int(o.seq)}, ${int(o.retries)}, ${int(o.sourceSealed ? 1 : 0)}, ${text(o.objectId ?? null)}, ${text(o.keyId)}, ${int(o.plainSize)}, ${text(o.plainSha256)}, ${int(o.sealedSize)}, ${text(o.sealedSha256)}, ${text(o.destEtag)}, ${text(o.at)})`,
  );
  await sql`
    with v (seq, retries, source_sealed, object_id, key_id, plain_size, plain_sha256, sealed_size,
            sealed_sha256, dest_etag, copied_at)
      as (values ${sql.join(rows)})
    update migration_objects set
      state = 'copied',
      attempts = migration_objects.attempts + 1,
      retries = migration_objects.retries + v.retries,
      error_code = null,
      error_message = null,
      retryable = 0,
      source_sealed = v.source_sealed,
      object_id = coalesce(v.object_id, migration_objects.object_id),
      key_id = v.key_id,
      plain_size = v.plain_size,
      plain_sha256 = v.plain_sha256,
      sealed_size = v.sealed_size,
      sealed_sha256 = v.sealed_sha256,
      dest_etag = v.dest_etag,
      upload_id = null,
      part_size = null,
      seal_header = null,
      copied_at = v.copied_at,
      verified_at = null
    from v
    where migration_objects.migration = ${migration} and migration_objects.seq = v.seq`.execute(trx);
}

/** Etag of a part recorded as being sent and not yet confirmed by the destination. */
export const PART_SENDING = '';

const NEW_OBJECT_COUNTERS = { attempts: 0, retries: 0, retryable: 0 } as const;

export class Journal {
  readonly db: Kysely<Database>;
  readonly dialect: JournalDb['dialect'];

  constructor(hub: JournalDb) {
    this.db = hub.db;
    this.dialect = hub.dialect;
  }

  get postgres(): boolean {
    return this.dialect === 'postgres';
  }

  async find(name: string): Promise<MigrationRow | undefined> {
    return this.db.selectFrom('migrations').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async get(name: string): Promise<MigrationRow> {
    const row = await this.find(name);
    if (row === undefined) {
      throw MigrationErrors.MIGRATION_NOT_FOUND(`no migration named "${name}" in the journal`);
    }
    return row;
  }

  async list(): Promise<MigrationRow[]> {
    return this.db.selectFrom('migrations').selectAll().orderBy('created_at').execute();
  }

  async update(
    name: string,
    values: Partial<MigrationsTable>,
    trx: Kysely<Database> = this.db,
  ): Promise<void> {
    await trx.updateTable('migrations').set(values).where('name', '=', name).execute();
  }

  /** Removes a migration's rows (a re-plan before any copy). */
  async purge(name: string, trx: Kysely<Database> = this.db): Promise<void> {
    for (const table of [
      'migration_objects',
      'migration_units',
      'migration_parts',
      'migration_findings',
    ] as const) {
      await trx.deleteFrom(table).where('migration', '=', name).execute();
    }
  }

  async insertObjects(rows: readonly NewObject[], trx: Kysely<Database> = this.db): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      const slice = rows.slice(i, i + INSERT_BATCH);
      for (const r of slice) {
        Object.assign(r, NEW_OBJECT_COUNTERS);
      }
      await trx
        .insertInto('migration_objects')
        .values(slice as (NewObject & typeof NEW_OBJECT_COUNTERS)[])
        .execute();
    }
  }

  async insertUnits(rows: readonly MigrationUnitsTable[], trx: Kysely<Database> = this.db): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      await trx
        .insertInto('migration_units')
        .values(rows.slice(i, i + INSERT_BATCH))
        .execute();
    }
  }

  /**
   * Leases the next unit of work (lowest phase first) that is pending or whose lease expired,
   * or whose lease belongs to an owner `isDead` says is gone. PostgreSQL skips rows other workers
   * are leasing at this instant (FOR UPDATE SKIP LOCKED); SQLite has one writer at a time.
   */
  async leaseUnit(params: {
    readonly migrations: readonly string[];
    readonly owner: string;
    readonly now: Date;
    readonly ttlMs: number;
    readonly phase?: number;
    readonly deadOwners?: readonly string[];
  }): Promise<UnitRow | undefined> {
    if (params.migrations.length === 0) {
      return undefined;
    }
    const nowIso = params.now.toISOString();
    const expires = new Date(params.now.getTime() + params.ttlMs).toISOString();
    const dead = params.deadOwners ?? [];
    const candidate = this.db
      .selectFrom('migration_units')
      .select(['migration', 'unit'])
      .where('migration', 'in', params.migrations)
      .where((eb) =>
        eb.or([
          eb('state', '=', 'pending'),
          eb.and([
            eb('state', '=', 'leased'),
            eb.or([
              eb('lease_expires_at', '<', nowIso),
              ...(dead.length > 0 ? [eb('lease_owner', 'in', dead)] : []),
            ]),
          ]),
        ]),
      )
      .$if(params.phase !== undefined, (q) => q.where('phase', '=', params.phase!))
      .orderBy('phase')
      .orderBy('unit')
      .limit(1)
      .$if(this.postgres, (q) => q.forUpdate().skipLocked());
    const leased = await this.db
      .updateTable('migration_units')
      .set((eb) => ({
        state: 'leased',
        lease_owner: params.owner,
        lease_expires_at: expires,
        first_leased_at: eb.fn.coalesce('first_leased_at', eb.val(nowIso)),
        attempts: eb('attempts', '+', 1),
      }))
      .where(sql<boolean>`(migration, unit) in (${candidate})`)
      .returningAll()
      .executeTakeFirst();
    return leased;
  }

  /** Extends the leases `owner` holds; returns the units it no longer holds (taken over). */
  async renewLeases(
    owner: string,
    units: readonly { migration: string; unit: number }[],
    now: Date,
    ttlMs: number,
  ): Promise<{ migration: string; unit: number }[]> {
    const lost: { migration: string; unit: number }[] = [];
    const expires = new Date(now.getTime() + ttlMs).toISOString();
    for (const u of units) {
      const res = await this.db
        .updateTable('migration_units')
        .set({ lease_expires_at: expires })
        .where('migration', '=', u.migration)
        .where('unit', '=', u.unit)
        .where('lease_owner', '=', owner)
        .where('state', '=', 'leased')
        .executeTakeFirst();
      if (res.numUpdatedRows === 0n) {
        lost.push(u);
      }
    }
    return lost;
  }

  /** Ends a lease: `done` when every object of the unit reached a final state, else back to pending. */
  async releaseUnit(migration: string, unit: number, owner: string, done: boolean): Promise<void> {
    await this.db
      .updateTable('migration_units')
      .set({ state: done ? 'done' : 'pending', lease_owner: null, lease_expires_at: null })
      .where('migration', '=', migration)
      .where('unit', '=', unit)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /** The objects of a unit that still need work. */
  async workOfUnit(migration: string, unit: number, includeFailed: boolean): Promise<ObjectRow[]> {
    const states: ObjectState[] = includeFailed ? ['pending', 'copying', 'failed'] : ['pending', 'copying'];
    return this.db
      .selectFrom('migration_objects')
      .selectAll()
      .where('migration', '=', migration)
      .where('unit', '=', unit)
      .where('state', 'in', states)
      .orderBy('seq')
      .execute();
  }

  async object(migration: string, seq: number): Promise<ObjectRow | undefined> {
    return this.db
      .selectFrom('migration_objects')
      .selectAll()
      .where('migration', '=', migration)
      .where('seq', '=', seq)
      .executeTakeFirst();
  }

  /** Writes a batch of outcomes in one transaction (one fsync on SQLite, one commit on PostgreSQL). */
  async recordOutcomes(migration: string, outcomes: readonly ObjectOutcome[]): Promise<void> {
    if (outcomes.length === 0) {
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      let lastCopy: string | undefined;
      const finished: number[] = [];
      const copied: CopiedOutcome[] = [];
      for (const o of outcomes) {
        const q = trx
          .updateTable('migration_objects')
          .where('migration', '=', migration)
          .where('seq', '=', o.seq);
        switch (o.kind) {
          case 'copied':
            if (lastCopy === undefined || o.at > lastCopy) {
              lastCopy = o.at;
            }
            copied.push(o);
            finished.push(o.seq);
            break;
          case 'failed':
            await q
              .set((eb) => ({
                state: 'failed',
                attempts: eb('attempts', '+', 1),
                retries: eb('retries', '+', o.retries),
                error_code: o.code,
                error_message: o.message.slice(0, 2000),
                retryable: o.retryable ? 1 : 0,
              }))
              .execute();
            break;
          case 'changed':
            await q
              .set((eb) => ({
                state: 'pending',
                attempts: eb('attempts', '+', 1),
                retries: eb('retries', '+', o.retries),
                size: o.size,
                etag: o.etag,
                md5: o.md5,
                last_modified: o.lastModified,
                error_code: 'MIGRATION_SOURCE_CHANGED',
                error_message: 'the source object changed during its copy; it is copied again',
                retryable: 1,
                upload_id: null,
                part_size: null,
                seal_header: null,
              }))
              .execute();
            finished.push(o.seq);
            break;
        }
      }
      for (let i = 0; i < copied.length; i += COPIED_BATCH) {
        await recordCopied(trx, migration, copied.slice(i, i + COPIED_BATCH));
      }
      // Parts of finished uploads, in one statement per batch (most objects never had any).
      for (let i = 0; i < finished.length; i += INSERT_BATCH) {
        await trx
          .deleteFrom('migration_parts')
          .where('migration', '=', migration)
          .where('seq', 'in', finished.slice(i, i + INSERT_BATCH))
          .execute();
      }
      if (lastCopy !== undefined) {
        await trx
          .updateTable('migrations')
          .set({ last_copy_at: lastCopy })
          .where('name', '=', migration)
          .execute();
      }
    });
  }

  /** Records that a multipart upload was opened for an object (before any part is sent). */
  async startUpload(
    migration: string,
    seq: number,
    upload: { uploadId: string; partSize: number; header: string | null },
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('migration_parts')
        .where('migration', '=', migration)
        .where('seq', '=', seq)
        .execute();
      await trx
        .updateTable('migration_objects')
        .set({
          state: 'copying',
          upload_id: upload.uploadId,
          part_size: upload.partSize,
          seal_header: upload.header,
        })
        .where('migration', '=', migration)
        .where('seq', '=', seq)
        .execute();
    });
  }

  /** Forgets an upload (aborted, lost or completed elsewhere). */
  async clearUpload(migration: string, seq: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('migration_parts')
        .where('migration', '=', migration)
        .where('seq', '=', seq)
        .execute();
      await trx
        .updateTable('migration_objects')
        .set({ state: 'pending', upload_id: null, part_size: null, seal_header: null })
        .where('migration', '=', migration)
        .where('seq', '=', seq)
        .execute();
    });
  }

  /**
   * Records a part about to be sent, before a byte of it goes out: its digest, with
   * {@link PART_SENDING} as its etag until {@link addPart} confirms it. A resumed upload re-seals
   * under the same data key and nonces, so it must know what every part it may have sent held.
   */
  async sendingPart(
    migration: string,
    seq: number,
    part: { uploadId: string; partNumber: number; size: number; sha256: string },
  ): Promise<void> {
    await this.addPart(migration, seq, { ...part, etag: PART_SENDING });
  }

  async addPart(
    migration: string,
    seq: number,
    part: { uploadId: string; partNumber: number; etag: string; size: number; sha256: string },
  ): Promise<void> {
    await this.db
      .insertInto('migration_parts')
      .values({
        migration,
        seq,
        upload_id: part.uploadId,
        part_number: part.partNumber,
        etag: part.etag,
        size: part.size,
        sha256: part.sha256,
      })
      .onConflict((oc) =>
        oc.columns(['migration', 'seq', 'part_number']).doUpdateSet({
          upload_id: part.uploadId,
          etag: part.etag,
          size: part.size,
          sha256: part.sha256,
        }),
      )
      .execute();
  }

  async parts(migration: string, seq: number, uploadId: string) {
    return this.db
      .selectFrom('migration_parts')
      .selectAll()
      .where('migration', '=', migration)
      .where('seq', '=', seq)
      .where('upload_id', '=', uploadId)
      .orderBy('part_number')
      .execute();
  }

  /** Failed objects whose error may pass on a retry go back to pending, and their units with them. */
  async requeueRetryable(migration: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('migration_objects')
        .set({ state: 'pending' })
        .where('migration', '=', migration)
        .where('state', '=', 'failed')
        .where('retryable', '=', 1)
        .executeTakeFirst();
      await this.reopenUnits(migration, trx);
      return Number(res.numUpdatedRows);
    });
  }

  /** Units marked done that hold objects still needing a copy go back to pending. */
  async reopenUnits(migration: string, trx: Kysely<Database> = this.db): Promise<void> {
    await trx
      .updateTable('migration_units')
      .set({ state: 'pending', first_leased_at: null })
      .where('migration', '=', migration)
      .where('state', '=', 'done')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('migration_objects as o')
            .select('o.seq')
            .whereRef('o.migration', '=', 'migration_units.migration')
            .whereRef('o.unit', '=', 'migration_units.unit')
            .where('o.state', 'in', ['pending', 'copying']),
        ),
      )
      .execute();
  }

  /** Units not done yet (pending or leased), by migration. */
  async openUnits(migration: string, phase?: number): Promise<{ pending: number; leased: number }> {
    const rows = await this.db
      .selectFrom('migration_units')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('migration', '=', migration)
      .where('state', 'in', ['pending', 'leased'])
      .$if(phase !== undefined, (q) => q.where('phase', '=', phase!))
      .groupBy('state')
      .execute();
    const n = (s: string): number => rows.find((r) => r.state === s)?.n ?? 0;
    return { pending: n('pending'), leased: n('leased') };
  }

  /** Object counts and bytes per phase, class and state: the basis of status and reports. */
  async tally(migration: string) {
    const rows = await this.db
      .selectFrom('migration_objects')
      .select([
        'phase',
        'class',
        'state',
        (eb) => eb.fn.countAll<number>().as('objects'),
        (eb) => eb.fn.sum<number>('size').as('bytes'),
        (eb) => eb.fn.sum<number>('retries').as('retries'),
      ])
      .where('migration', '=', migration)
      .groupBy(['phase', 'class', 'state'])
      .orderBy('phase')
      .execute();
    return rows.map((r) => ({
      phase: r.phase,
      class: r.class,
      state: r.state as ObjectState,
      objects: r.objects,
      bytes: r.bytes ?? 0,
      retries: r.retries ?? 0,
    }));
  }

  /** Error codes and how many objects carry each, for failed and blocked objects. */
  async errorCounts(migration: string) {
    const rows = await this.db
      .selectFrom('migration_objects')
      .select(['state', 'error_code', (eb) => eb.fn.countAll<number>().as('n')])
      .where('migration', '=', migration)
      .where('state', 'in', ['failed', 'blocked'])
      .groupBy(['state', 'error_code'])
      .execute();
    return rows.map((r) => ({
      state: r.state as ObjectState,
      code: r.error_code ?? 'UNKNOWN',
      objects: r.n,
    }));
  }

  /** Objects in a given state, a page at a time, ordered by source key. */
  async *objectsIn(
    migration: string,
    states: readonly ObjectState[],
    pageSize = 1000,
  ): AsyncIterable<ObjectRow> {
    let after = -1;
    for (;;) {
      const rows = await this.db
        .selectFrom('migration_objects')
        .selectAll()
        .where('migration', '=', migration)
        .where('state', 'in', [...states])
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(pageSize)
        .execute();
      for (const row of rows) {
        yield row;
      }
      if (rows.length < pageSize) {
        return;
      }
      after = rows[rows.length - 1]!.seq;
    }
  }

  /**
   * Every object of a migration in the byte order of `column` (the order stores list keys in), a
   * page at a time: the journal side of a merge with a listing.
   */
  async *objectsByKey(
    migration: string,
    column: 'source_key' | 'dest_key',
    pageSize = 1000,
  ): AsyncIterable<ObjectRow> {
    let after: string | undefined;
    const ordered = this.postgres ? sql.raw(`${column} collate "C"`) : sql.ref(column);
    for (;;) {
      const rows = await this.db
        .selectFrom('migration_objects')
        .selectAll()
        .where('migration', '=', migration)
        .$if(after !== undefined, (q) => q.where(sql<boolean>`${ordered} > ${after!}`))
        .orderBy(sql`${ordered}`)
        .limit(pageSize)
        .execute();
      for (const row of rows) {
        yield row;
      }
      if (rows.length < pageSize) {
        return;
      }
      after = rows[rows.length - 1]![column];
    }
  }

  async addEvent(
    migration: string,
    kind: string,
    details: Record<string, unknown>,
    at: Date,
    trx: Kysely<Database> = this.db,
  ): Promise<void> {
    await trx
      .insertInto('migration_events')
      .values({ id: newId('mev'), migration, at: at.toISOString(), kind, details: JSON.stringify(details) })
      .execute();
  }

  async events(migration: string) {
    const rows = await this.db
      .selectFrom('migration_events')
      .selectAll()
      .where('migration', '=', migration)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      at: r.at,
      kind: r.kind,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  }

  async addFindings(
    migration: string,
    pass: string,
    findings: readonly { kind: string; key: string; seq: number | null; detail: string }[],
  ): Promise<void> {
    for (let i = 0; i < findings.length; i += INSERT_BATCH) {
      await this.db
        .insertInto('migration_findings')
        .values(findings.slice(i, i + INSERT_BATCH).map((f) => ({ migration, pass, ...f })))
        .execute();
    }
  }

  async findings(migration: string, pass: string, limit = 1000) {
    return this.db
      .selectFrom('migration_findings')
      .select(['kind', 'key', 'seq', 'detail'])
      .where('migration', '=', migration)
      .where('pass', '=', pass)
      .orderBy('key')
      .limit(limit)
      .execute();
  }

  /** Runs `fn` in one transaction. */
  async transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }
}
