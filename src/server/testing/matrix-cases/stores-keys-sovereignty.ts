/**
 * Matrix cases of the stores, keys, sovereignty and audit-export routes: operators change and read
 * content; auditors (people and services) read listings, status, reports and verifications.
 * @module
 */
import { signedComplianceReport } from '../../../hub/index.js';
import { each, type Fx } from '../matrix.js';
import type { HubServerFixture } from '../hub-server.js';
import type { OperationCase } from './index.js';

const READERS = each(['operator', 'auditor', 'service:auditor'], 200);

/** A sealed object in the fixture's store, written through the hub (not the route under test). */
async function storedObject(ctx: HubServerFixture, dataset: string, key: string): Promise<Fx> {
  await ctx.hub.stores.put({
    store: 'local',
    key,
    body: Buffer.from(`object ${key}`),
    dataset,
    dataClass: 'pseudonymised-health',
    actor: ctx.operator.actor,
  });
  return { key: encodeURIComponent(key), dataset };
}

export const STORES_KEYS_SOVEREIGNTY_CASES: readonly OperationCase[] = [
  { method: 'GET', route: '/api/stores', url: () => '/api/stores', allow: READERS },
  {
    method: 'GET',
    route: '/api/stores/:store/objects',
    url: () => '/api/stores/local/objects?prefix=matrix/&limit=5',
    allow: READERS,
  },
  {
    method: 'PUT',
    route: '/api/stores/:store/objects/:key',
    url: (_f, who) =>
      `/api/stores/local/objects/${encodeURIComponent(`matrix/put/${who}`)}?dataset=matrix-put`,
    upload: () => ({ contentType: 'application/octet-stream', payload: Buffer.from('matrix upload') }),
    allow: { operator: 201 },
  },
  {
    method: 'GET',
    route: '/api/stores/:store/objects/:key',
    url: (f) => `/api/stores/local/objects/${f['key']}`,
    prepare: (ctx, n) => storedObject(ctx, 'matrix-get', `matrix/get/${n}`),
    allow: { operator: 200 },
  },
  {
    method: 'DELETE',
    route: '/api/stores/:store/objects/:key',
    url: (f) => `/api/stores/local/objects/${f['key']}`,
    prepare: (ctx, n) => storedObject(ctx, 'matrix-rm', `matrix/rm/${n}`),
    allow: { operator: 204 },
  },
  {
    method: 'POST',
    route: '/api/stores/:store/verify',
    url: () => '/api/stores/local/verify',
    body: () => ({ prefix: 'matrix/get/0' }),
    allow: READERS,
  },
  { method: 'GET', route: '/api/keys', url: () => '/api/keys', allow: READERS },
  {
    method: 'POST',
    route: '/api/keys/rotate-master',
    url: () => '/api/keys/rotate-master',
    allow: { operator: 200 },
  },
  {
    method: 'POST',
    route: '/api/datasets/:name/shred',
    url: (f) => `/api/datasets/${f['dataset']}/shred`,
    body: (f) => ({ confirm: f['dataset'] }),
    prepare: (ctx, n) => storedObject(ctx, `matrix-shred-${n}`, `matrix/shred/${n}`),
    allow: { operator: 200 },
  },
  {
    method: 'GET',
    route: '/api/sovereignty/providers',
    url: () => '/api/sovereignty/providers',
    allow: READERS,
  },
  {
    method: 'POST',
    route: '/api/sovereignty/check',
    url: () => '/api/sovereignty/check',
    body: () => ({ store: 'local', class: 'identifying-health' }),
    allow: READERS,
  },
  {
    method: 'GET',
    route: '/api/sovereignty/report',
    url: () => '/api/sovereignty/report',
    allow: READERS,
  },
  {
    method: 'POST',
    route: '/api/sovereignty/verify-report',
    url: () => '/api/sovereignty/verify-report',
    prepare: async (ctx) => ({ report: JSON.stringify(await signedComplianceReport(ctx.hub)) }),
    body: (f) => ({ report: JSON.parse(f['report']!) as unknown }),
    allow: READERS,
  },
  {
    method: 'GET',
    route: '/api/sovereignty/public-key',
    url: () => '/api/sovereignty/public-key',
    allow: READERS,
  },
  {
    method: 'GET',
    route: '/api/audit/export',
    url: () => '/api/audit/export?action=store.*',
    allow: each(['auditor', 'service:auditor'], 200),
  },
];
