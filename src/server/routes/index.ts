/**
 * Every route module, one per concept. A new concept's routes are one file here and one line in this list.
 * @module
 */
import type { RouteModule } from '../context.js';
import { applicationRoutes } from './applications.js';
import { auditExportRoutes } from './audit-export.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { catalogueRoutes } from './catalogue.js';
import { healthRoutes } from './health.js';
import { ingestRoutes } from './ingest.js';
import { keyRoutes } from './keys.js';
import { meRoutes } from './me.js';
import { migrationRoutes } from './migrations.js';
import { oidcRoutes } from './oidc.js';
import { permitRoutes } from './permits.js';
import { serviceAccountRoutes } from './service-accounts.js';
import { sovereigntyRoutes } from './sovereignty.js';
import { storeRoutes } from './stores.js';
import { userRoutes } from './users.js';

export const ROUTES: readonly RouteModule[] = [
  healthRoutes,
  authRoutes,
  oidcRoutes,
  meRoutes,
  userRoutes,
  serviceAccountRoutes,
  catalogueRoutes,
  applicationRoutes,
  permitRoutes,
  auditRoutes,
  // Registered only with the whole hub (deps.operations).
  ingestRoutes,
  migrationRoutes,
  storeRoutes,
  keyRoutes,
  sovereigntyRoutes,
  auditExportRoutes,
];
