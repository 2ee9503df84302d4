/**
 * `npm run bench:ingest-api [-- PATIENTS]`: ingestion over the API against `hdh ingest` on the same
 * bytes, in the same run. A synthetic population (seed `bench-ingest-api`, no faults) is written as
 * one NDJSON file; runs alternate between `ingestIntoHub` on that file (what `hdh ingest` runs) and
 * `POST /api/datasets/{name}/ingest` of the same bytes over loopback HTTP (upload streamed to disk,
 * then the same `ingestIntoHub`), each into a fresh dataset of one hub (fs store, development
 * keyring, SQLite). The ratio of the medians is the API's own cost; the machine's load moves both.
 *
 *   npm run bench:ingest-api -- [PATIENTS]   (default 300; HDH_BENCH_RUNS, default 3)
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ingestIntoHub } from '../src/hub/index.js';
import { hubServerFixture } from '../src/server/testing/hub-server.js';
import { generatePopulation } from '../src/synth/index.js';

const patients = Number(process.argv[2] ?? process.env['HDH_BENCH_PATIENTS'] ?? 300);
const runs = Number(process.env['HDH_BENCH_RUNS'] ?? 3);

const fx = await hubServerFixture('sqlite');
try {
  const dir = join(fx.home, '..', 'input');
  await generatePopulation({ outDir: dir, patients, seed: 'bench-ingest-api' });
  const names = (await readdir(dir)).filter((n) => n.endsWith('.ndjson')).sort();
  names.sort((a, b) => (a === 'Patient.ndjson' ? -1 : b === 'Patient.ndjson' ? 1 : 0));
  const body = Buffer.concat(await Promise.all(names.map((n) => readFile(join(dir, n)))));
  const file = join(dir, 'export.ndjson');
  await writeFile(file, body);
  const url = await fx.app.listen({ host: '127.0.0.1', port: 0 });
  const direct: number[] = [];
  const api: number[] = [];
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    await ingestIntoHub(fx.hub, { dataset: `direct-${i}`, inputs: [file], actor: 'cli:bench' });
    direct.push(performance.now() - start);
    start = performance.now();
    const r = await fetch(`${url}/api/datasets/api-${i}/ingest?create=true`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${fx.tokens.get('producer')}`,
        'content-type': 'application/fhir+ndjson',
      },
      body,
    });
    if (r.status !== 201) {
      throw new Error(`the upload was answered ${r.status}: ${await r.text()}`);
    }
    api.push(performance.now() - start);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mb = body.length / 1e6;
  const line = (name: string, xs: number[]) =>
    `${name}: median ${(median(xs) / 1000).toFixed(2)} s, ${(mb / (median(xs) / 1000)).toFixed(1)} MB/s (runs ${xs.map((x) => (x / 1000).toFixed(2)).join(', ')} s)`;
  console.log(`${patients} patients, ${mb.toFixed(1)} MB of NDJSON, ${runs} runs each`);
  console.log(line('hdh ingest (ingestIntoHub)', direct));
  console.log(line('POST /api/datasets/{name}/ingest', api));
  console.log(`ratio API / direct: ${(median(api) / median(direct)).toFixed(2)}`);
} finally {
  await fx.close();
}
