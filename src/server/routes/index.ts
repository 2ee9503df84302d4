/**
 * Every route module, one per concept. A new concept's routes are one file here and one line in this list.
 * @module
 */
import type { RouteModule } from '../context.js';
import { applicationRoutes } from './applications.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { catalogueRoutes } from './catalogue.js';
import { healthRoutes } from './health.js';
import { ingestRoutes } from './ingest.js';
import { meRoutes } from './me.js';
import { migrationRoutes } from './migrations.js';
import { oidcRoutes } from './oidc.js';
import { permitRoutes } from './permits.js';
import { serviceAccountRoutes } from './service-accounts.js';
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
  ingestRoutes,
  migrationRoutes,
];
