import type { Kysely } from 'kysely';
import { bytes } from '../column-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hub_meta')
    .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('id', 'varchar(40)', (c) => c.notNull().unique())
    .addColumn('at', 'varchar(40)', (c) => c.notNull())
    .addColumn('actor', 'varchar(200)', (c) => c.notNull())
    .addColumn('action', 'varchar(200)', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('outcome', 'varchar(40)', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('datasets')
    .addColumn('name', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('class', 'varchar(64)', (c) => c.notNull())
    .addColumn('store', 'varchar(64)', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('dataset_keys')
    .addColumn('key_id', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('dataset', 'varchar(200)', (c) => c.notNull())
    .addColumn('wrapped', bytes(db), (c) => c)
    .addColumn('wrap_alg', 'varchar(40)', (c) => c.notNull())
    .addColumn('master_key_id', 'varchar(100)', (c) => c.notNull())
    .addColumn('state', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('destroyed_at', 'varchar(40)')
    .addColumn('destroyed_by', 'varchar(200)')
    .execute();
  await db.schema.createIndex('dataset_keys_dataset').on('dataset_keys').column('dataset').execute();
  await db.schema.createIndex('dataset_keys_master').on('dataset_keys').column('master_key_id').execute();

  await db.schema
    .createTable('objects')
    .addColumn('store', 'varchar(64)', (c) => c.notNull())
    .addColumn('key', 'varchar(1024)', (c) => c.notNull())
    .addColumn('object_id', 'varchar(1024)', (c) => c.notNull())
    .addColumn('dataset', 'varchar(200)', (c) => c.notNull())
    .addColumn('class', 'varchar(64)', (c) => c.notNull())
    .addColumn('sealed', 'integer', (c) => c.notNull())
    .addColumn('key_id', 'varchar(100)')
    .addColumn('plain_size', 'bigint', (c) => c.notNull())
    .addColumn('plain_sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('sealed_size', 'bigint', (c) => c.notNull())
    .addColumn('sealed_sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('objects_pk', ['store', 'key'])
    .execute();
  await db.schema.createIndex('objects_dataset').on('objects').column('dataset').execute();
}
