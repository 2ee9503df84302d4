import type { Kysely } from 'kysely';

/**
 * Identities, authentication state, access applications and permits. Secrets never appear in clear:
 * passwords are argon2id PHC strings, refresh and API tokens SHA-256 digests, TOTP secrets sealed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('email', 'varchar(320)')
    .addColumn('oidc_issuer', 'varchar(500)')
    .addColumn('oidc_subject', 'varchar(255)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('disabled_at', 'varchar(40)')
    .addColumn('disabled_by', 'varchar(200)')
    .addColumn('last_login_at', 'varchar(40)')
    .addColumn('failed_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_since', 'varchar(40)')
    .addColumn('locked_until', 'varchar(40)')
    .addUniqueConstraint('users_oidc_identity', ['oidc_issuer', 'oidc_subject'])
    .execute();

  await db.schema
    .createTable('user_passwords')
    .addColumn('user_id', 'varchar(40)', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'varchar(40)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('user_mfa')
    .addColumn('user_id', 'varchar(40)', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('last_step', 'bigint')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('enabled_at', 'varchar(40)')
    .execute();

  await db.schema
    .createTable('auth_sessions')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(40)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('method', 'varchar(40)', (c) => c.notNull())
    .addColumn('mfa', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('refreshed_at', 'varchar(40)')
    .addColumn('revoked_at', 'varchar(40)')
    .addColumn('revoked_reason', 'varchar(200)')
    .execute();
  await db.schema.createIndex('auth_sessions_user').on('auth_sessions').column('user_id').execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('session_id', 'varchar(40)', (c) =>
      c.notNull().references('auth_sessions.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('used_at', 'varchar(40)')
    .execute();
  await db.schema.createIndex('refresh_tokens_session').on('refresh_tokens').column('session_id').execute();

  await db.schema
    .createTable('oidc_logins')
    .addColumn('state', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('provider', 'varchar(64)', (c) => c.notNull())
    .addColumn('code_verifier', 'varchar(200)', (c) => c.notNull())
    .addColumn('nonce', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('service_accounts')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('disabled_at', 'varchar(40)')
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('service_account_id', 'varchar(40)', (c) =>
      c.notNull().references('service_accounts.id').onDelete('cascade'),
    )
    .addColumn('label', 'varchar(200)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)')
    .addColumn('last_used_at', 'varchar(40)')
    .addColumn('revoked_at', 'varchar(40)')
    .addColumn('revoked_by', 'varchar(200)')
    .execute();
  await db.schema.createIndex('api_tokens_account').on('api_tokens').column('service_account_id').execute();

  await db.schema
    .createTable('applications')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('applicant', 'varchar(200)', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('purpose', 'varchar(60)', (c) => c.notNull())
    .addColumn('requested', 'text', (c) => c.notNull())
    .addColumn('justification', 'text', (c) => c.notNull())
    .addColumn('duration_months', 'integer', (c) => c.notNull())
    .addColumn('declaration', 'integer', (c) => c.notNull())
    .addColumn('state', 'varchar(30)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('submitted_at', 'varchar(40)')
    .addColumn('paused_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('paused_since', 'varchar(40)')
    .addColumn('extended_at', 'varchar(40)')
    .addColumn('extension_reason', 'text')
    .addColumn('reviewer', 'varchar(200)')
    .addColumn('decided_at', 'varchar(40)')
    .addColumn('decided_by', 'varchar(200)')
    .addColumn('permit_id', 'varchar(40)')
    .execute();
  await db.schema.createIndex('applications_state').on('applications').column('state').execute();

  await db.schema
    .createTable('application_members')
    .addColumn('application_id', 'varchar(40)', (c) =>
      c.notNull().references('applications.id').onDelete('cascade'),
    )
    .addColumn('user_name', 'varchar(200)', (c) => c.notNull())
    .addPrimaryKeyConstraint('application_members_pk', ['application_id', 'user_name'])
    .execute();
  await db.schema
    .createIndex('application_members_user')
    .on('application_members')
    .column('user_name')
    .execute();

  await db.schema
    .createTable('application_events')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('application_id', 'varchar(40)', (c) =>
      c.notNull().references('applications.id').onDelete('cascade'),
    )
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'varchar(40)', (c) => c.notNull())
    .addColumn('actor', 'varchar(200)', (c) => c.notNull())
    .addColumn('kind', 'varchar(40)', (c) => c.notNull())
    .addColumn('from_state', 'varchar(30)')
    .addColumn('to_state', 'varchar(30)')
    .addColumn('comment', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addUniqueConstraint('application_events_order', ['application_id', 'seq'])
    .execute();

  await db.schema
    .createTable('permits')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('application_id', 'varchar(40)', (c) => c.notNull().references('applications.id'))
    .addColumn('purpose', 'varchar(60)', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('disclosure_profile', 'varchar(100)', (c) => c.notNull())
    .addColumn('starts_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('ends_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('issued_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('issued_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('status_changed_at', 'varchar(40)')
    .addColumn('status_changed_by', 'varchar(200)')
    .addColumn('status_reason', 'text')
    .execute();
  await db.schema.createIndex('permits_application').on('permits').column('application_id').execute();

  await db.schema
    .createTable('permit_persons')
    .addColumn('permit_id', 'varchar(40)', (c) => c.notNull().references('permits.id').onDelete('cascade'))
    .addColumn('user_name', 'varchar(200)', (c) => c.notNull())
    .addPrimaryKeyConstraint('permit_persons_pk', ['permit_id', 'user_name'])
    .execute();
  await db.schema.createIndex('permit_persons_user').on('permit_persons').column('user_name').execute();
}
