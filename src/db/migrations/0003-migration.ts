/**
 * The migration journal: one row per migration, per source object, per unit of work, per completed
 * multipart part, plus a timeline and the findings of the last verifications. Indexed so that
 * leasing, resume, status and verify stay fast with millions of objects per migration.
 * @module
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('migrations')
    .addColumn('name', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('source_store', 'varchar(64)', (c) => c.notNull())
    .addColumn('source_prefix', 'text', (c) => c.notNull())
    .addColumn('dest_store', 'varchar(64)', (c) => c.notNull())
    .addColumn('dest_prefix', 'text', (c) => c.notNull())
    .addColumn('state', 'varchar(20)', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('plan', 'text')
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('next_seq', 'bigint', (c) => c.notNull())
    .addColumn('next_unit', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('planned_at', 'varchar(40)')
    .addColumn('last_copy_at', 'varchar(40)')
    .addColumn('last_sync_at', 'varchar(40)')
    .addColumn('last_sync_found', 'bigint')
    .addColumn('last_verify_at', 'varchar(40)')
    .addColumn('last_verify_clean', 'integer')
    .addColumn('last_verify', 'text')
    .addColumn('cutover_at', 'varchar(40)')
    .addColumn('cutover', 'text')
    .addColumn('rollback_at', 'varchar(40)')
    .addColumn('decommissioned_at', 'varchar(40)')
    .addColumn('certificate', 'text')
    .execute();

  await db.schema
    .createTable('migration_objects')
    .addColumn('migration', 'varchar(200)', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('source_key', 'text', (c) => c.notNull())
    .addColumn('dest_key', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('etag', 'varchar(200)')
    .addColumn('md5', 'varchar(32)')
    .addColumn('last_modified', 'varchar(40)', (c) => c.notNull())
    .addColumn('archived', 'integer', (c) => c.notNull())
    .addColumn('dataset', 'varchar(200)', (c) => c.notNull())
    .addColumn('class', 'varchar(64)', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('phase', 'integer', (c) => c.notNull())
    .addColumn('unit', 'bigint', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('retries', 'integer', (c) => c.notNull())
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_message', 'text')
    .addColumn('retryable', 'integer', (c) => c.notNull())
    .addColumn('source_sealed', 'integer')
    .addColumn('key_id', 'varchar(100)')
    .addColumn('plain_size', 'bigint')
    .addColumn('plain_sha256', 'varchar(64)')
    .addColumn('sealed_size', 'bigint')
    .addColumn('sealed_sha256', 'varchar(64)')
    .addColumn('dest_etag', 'varchar(200)')
    .addColumn('upload_id', 'text')
    .addColumn('part_size', 'bigint')
    .addColumn('seal_header', 'text')
    .addColumn('copied_at', 'varchar(40)')
    .addColumn('verified_at', 'varchar(40)')
    .addColumn('source_deleted_at', 'varchar(40)')
    .addColumn('hub_record', 'varchar(16)')
    .addPrimaryKeyConstraint('migration_objects_pk', ['migration', 'seq'])
    .execute();
  await db.schema
    .createIndex('migration_objects_source')
    .on('migration_objects')
    .columns(['migration', 'source_key'])
    .unique()
    .execute();
  await db.schema
    .createIndex('migration_objects_dest')
    .on('migration_objects')
    .columns(['migration', 'dest_key'])
    .execute();
  await db.schema
    .createIndex('migration_objects_unit')
    .on('migration_objects')
    .columns(['migration', 'unit', 'state'])
    .execute();
  await db.schema
    .createIndex('migration_objects_state')
    .on('migration_objects')
    .columns(['migration', 'state', 'phase'])
    .execute();

  await db.schema
    .createTable('migration_units')
    .addColumn('migration', 'varchar(200)', (c) => c.notNull())
    .addColumn('unit', 'bigint', (c) => c.notNull())
    .addColumn('phase', 'integer', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(200)')
    .addColumn('lease_expires_at', 'varchar(40)')
    .addColumn('first_leased_at', 'varchar(40)')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('objects', 'bigint', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('migration_units_pk', ['migration', 'unit'])
    .execute();
  await db.schema
    .createIndex('migration_units_lease')
    .on('migration_units')
    .columns(['migration', 'state', 'phase', 'unit'])
    .execute();

  await db.schema
    .createTable('migration_parts')
    .addColumn('migration', 'varchar(200)', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('part_number', 'integer', (c) => c.notNull())
    .addColumn('etag', 'varchar(200)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('migration_parts_pk', ['migration', 'seq', 'part_number'])
    .execute();

  await db.schema
    .createTable('migration_events')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('migration', 'varchar(200)', (c) => c.notNull())
    .addColumn('at', 'varchar(40)', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('migration_events_migration')
    .on('migration_events')
    .columns(['migration', 'id'])
    .execute();

  await db.schema
    .createTable('migration_findings')
    .addColumn('migration', 'varchar(200)', (c) => c.notNull())
    .addColumn('pass', 'varchar(40)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint')
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('migration_findings_pass')
    .on('migration_findings')
    .columns(['migration', 'pass'])
    .execute();
}
