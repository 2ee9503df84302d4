import { defineErrors } from '../core/index.js';

export const DbErrors = defineErrors({
  DB_UNAVAILABLE: {
    status: 503,
    retryable: true,
    description:
      'The database cannot be reached or refused the connection; check `database:` in hdh.yaml and the server.',
  },
  DB_MIGRATION_FAILED: {
    status: 500,
    description: 'A schema migration failed on start; the database was left at the last good version.',
  },
  DB_CONFLICT: {
    status: 409,
    description: 'The change conflicts with a record that already exists (a duplicate name or id).',
  },
});
