/**
 * Matrix cases of ingestion and quarantine: producers (people and service accounts) ingest; the
 * operator and producers read the quarantine — original content included — and resolve it.
 * @module
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestIntoHub } from '../../../hub/index.js';
import { populationResources } from '../../../synth/index.js';
import type { HubServerFixture } from '../hub-server.js';
import { each, type Fx } from '../matrix.js';
import type { OperationCase } from './index.js';

const QUARANTINE_READERS = each(['operator', 'producer', 'service:producer'], 200);
const BAD_RECORDS = 40;

/** One synthetic Patient (valid INS-NIR), as an NDJSON line; `id` replaces its id. */
export async function patientLine(seed: string, id?: string): Promise<string> {
  for await (const record of populationResources({ patients: 1, seed })) {
    if (record.type === 'Patient') {
      return JSON.stringify(id === undefined ? record.resource : { ...record.resource, id });
    }
  }
  throw new Error('the generator made no Patient');
}

/** A dataset whose quarantine holds {@link BAD_RECORDS} open Patients (bad ids), per hub. */
const quarantined = new WeakMap<HubServerFixture, { name: string; ids: string[] }>();

async function openRecord(ctx: HubServerFixture): Promise<Fx> {
  let set = quarantined.get(ctx);
  if (set === undefined) {
    const name = 'm-quarantine';
    const dir = await mkdtemp(join(tmpdir(), 'hdh-matrix-ingest-'));
    try {
      const lines = [await patientLine('matrix-good')];
      for (let i = 0; i < BAD_RECORDS; i++) {
        lines.push(await patientLine('matrix-bad', `bad id ${i}`));
      }
      const file = join(dir, 'patients.ndjson');
      await writeFile(file, `${lines.join('\n')}\n`);
      await ingestIntoHub(ctx.hub, { dataset: name, inputs: [file], actor: ctx.operator.actor });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const page = await ctx.hub.quarantine.list(name, { limit: BAD_RECORDS });
    set = { name, ids: page.items.map((e) => e.id) };
    quarantined.set(ctx, set);
  }
  const id = set.ids.shift();
  if (id === undefined) {
    throw new Error('the matrix used up the quarantined records: raise BAD_RECORDS');
  }
  return { name: set.name, id };
}

export const INGEST_CASES: readonly OperationCase[] = [
  {
    method: 'POST',
    route: '/api/datasets/:name/ingest',
    prepare: async (_ctx, n) => ({ name: `m-ingest-${n}`, line: await patientLine('matrix-upload') }),
    url: (f) => `/api/datasets/${f['name']}/ingest?create=true`,
    upload: (f) => ({ contentType: 'application/fhir+ndjson', payload: `${f['line']}\n` }),
    allow: each(['producer', 'service:producer'], 201),
  },
  {
    method: 'GET',
    route: '/api/datasets/:name/quarantine',
    prepare: openRecord,
    url: (f) => `/api/datasets/${f['name']}/quarantine`,
    allow: QUARANTINE_READERS,
  },
  {
    method: 'GET',
    route: '/api/datasets/:name/quarantine/:id',
    prepare: openRecord,
    url: (f) => `/api/datasets/${f['name']}/quarantine/${f['id']}`,
    allow: QUARANTINE_READERS,
  },
  {
    method: 'POST',
    route: '/api/datasets/:name/quarantine/:id/reingest',
    prepare: async (ctx) => {
      const f = await openRecord(ctx);
      return { ...f, fixed: await patientLine('matrix-bad', `fixed-${f['id']!.replace(/_/g, '-')}`) };
    },
    url: (f) => `/api/datasets/${f['name']}/quarantine/${f['id']}/reingest`,
    upload: (f) => ({ contentType: 'application/fhir+json', payload: f['fixed']! }),
    allow: each(['operator', 'producer', 'service:producer'], 201),
  },
  {
    method: 'POST',
    route: '/api/datasets/:name/quarantine/:id/dismiss',
    prepare: openRecord,
    url: (f) => `/api/datasets/${f['name']}/quarantine/${f['id']}/dismiss`,
    body: () => ({ reason: 'a duplicate of another record' }),
    allow: QUARANTINE_READERS,
  },
];
