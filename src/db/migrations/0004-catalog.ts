import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [column, type] of [
    ['publisher', 'text'],
    ['themes', 'text'],
    ['keywords', 'text'],
    ['temporal_start', 'varchar(40)'],
    ['temporal_end', 'varchar(40)'],
    ['spatial', 'text'],
    ['current_version', 'integer'],
    ['updated_at', 'varchar(40)'],
  ] as const) {
    await db.schema.alterTable('datasets').addColumn(column, type).execute();
  }

  await db.schema
    .createTable('dataset_versions')
    .addColumn('dataset', 'varchar(200)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('profile_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('profile_version', 'varchar(40)', (c) => c.notNull())
    .addColumn('key_id', 'varchar(200)', (c) => c.notNull())
    .addColumn('persons', 'bigint', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('tables', 'text', (c) => c.notNull())
    .addColumn('inputs', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dataset_versions_pk', ['dataset', 'version'])
    .execute();

  await db.schema
    .createTable('dataset_inputs')
    .addColumn('dataset', 'varchar(200)', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('dataset_inputs_pk', ['dataset', 'sha256'])
    .execute();

  await db.schema
    .createTable('quarantine')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('dataset', 'varchar(200)', (c) => c.notNull())
    .addColumn('ingest_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('code', 'varchar(64)', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('resource_type', 'varchar(64)')
    .addColumn('store', 'varchar(64)', (c) => c.notNull())
    .addColumn('object_key', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('resolved_at', 'varchar(40)')
    .addColumn('resolved_by', 'varchar(200)')
    .addColumn('resolution', 'text')
    .execute();
  await db.schema.createIndex('quarantine_dataset').on('quarantine').columns(['dataset', 'status']).execute();
}
