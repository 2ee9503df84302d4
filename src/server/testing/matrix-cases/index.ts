/**
 * The matrix cases of the routes that act on the hub itself (stores, keys, sovereignty, ingestion,
 * quarantine, migrations): one file per concept, listed here. matrix-operations.test.ts walks them
 * and checks that together they cover every such route.
 * @module
 */
import type { Case } from '../matrix.js';
import type { HubServerFixture } from '../hub-server.js';
import { INGEST_CASES } from './ingest.js';
import { MIGRATION_CASES } from './migrations.js';
import { STORES_KEYS_SOVEREIGNTY_CASES } from './stores-keys-sovereignty.js';

export type OperationCase = Case<HubServerFixture>;

export const OPERATION_CASES: readonly OperationCase[] = [
  ...INGEST_CASES,
  ...MIGRATION_CASES,
  ...STORES_KEYS_SOVEREIGNTY_CASES,
];
