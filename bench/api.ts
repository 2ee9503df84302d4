/**
 * `npm run bench:api`: the REST API under load on loopback, beside a bare Fastify route measured in
 * the same run (the ceiling of this machine, this Node and this load generator).
 *
 * The servers run in a child process so that the load generator does not share their event loop.
 * For each target: latency (p50/p99) at rising fixed rates, then the most requests per second it
 * sustains, and its ratio to the bare route. Goals: p99 under 20 ms at 1,000 requests/s; at least half
 * the bare route's rate. Beside the rates, the server process's CPU time per request (user + system,
 * asked of the child over IPC around each maximum-rate step): on a shared machine the rates move with
 * the other load, the CPU cost of a request much less.
 *
 *   npm run bench:api -- [--duration 5] [--rates 250,500,1000,2000] [--seed 200] [--db postgres://…]
 *                        [--only datasets,me] [--profile DIR]
 *
 * `--only` keeps the targets whose name contains one of the words (the bare route always runs);
 * `--profile DIR` records the servers' CPU profile during each target's maximum-rate step and leaves
 * it in DIR as <target>.cpuprofile (open it in Chrome DevTools or speedscope).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    duration: { type: 'string', default: '5' },
    rates: { type: 'string', default: '250,500,1000,2000' },
    seed: { type: 'string', default: '200' },
    connections: { type: 'string', default: '20' },
    db: { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'string' },
  },
});

interface Served {
  readonly hub: string;
  readonly bare: string;
  readonly token: string;
  readonly pid: number;
}

/** What is measured: the bare route first (every share is relative to it). */
function targets(s: Served): { name: string; url: string; headers: Record<string, string> }[] {
  const auth = { authorization: `Bearer ${s.token}` };
  const words = values.only?.split(',').filter(Boolean);
  return [
    { name: 'bare Fastify route (ceiling)', url: `${s.bare}/bare`, headers: {} },
    { name: 'GET /api/datasets', url: `${s.hub}/api/datasets`, headers: auth },
    { name: 'GET /api/datasets/cohort', url: `${s.hub}/api/datasets/cohort`, headers: auth },
    { name: 'GET /api/me', url: `${s.hub}/api/me`, headers: auth },
    { name: 'GET /api/applications?limit=20', url: `${s.hub}/api/applications?limit=20`, headers: auth },
    { name: 'GET /api/permits?limit=20', url: `${s.hub}/api/permits?limit=20`, headers: auth },
  ].filter((t, i) => i === 0 || words === undefined || words.some((w) => t.name.includes(w)));
}

if (values.serve) {
  await serve();
} else {
  await measure();
}

/**
 * Child process: a real hub (hdh.yaml, development keyring, database, catalogue) as `hdh serve` runs
 * it, with a catalogue of a few datasets and `--seed` applications; plus a bare Fastify beside it.
 */
async function serve(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { initHub, openHub } = await import('../src/hub/index.js');
  const { cliPrincipal } = await import('../src/access/index.js');
  const { serveHub } = await import('../src/server/index.js');
  const { catalogueFixture } = await import('../src/catalog/testing.js');

  const home = mkdtempSync(join(tmpdir(), 'hdh-bench-'));
  await initHub({
    home,
    env: {},
    actor: 'cli:bench',
    keys: { provider: 'local', development: true },
    ...(values.db === undefined ? {} : { database: values.db }),
  });
  const hub = await openHub({ home, env: {}, prompt: false });
  const access = await hub.access();
  // The two datasets access applications name, and more so that a listing page has rows to carry.
  await catalogueFixture(hub.db.db);
  for (let i = 0; i < 18; i++) {
    await hub.catalog.createDataset({
      name: `survey-${String(i).padStart(2, '0')}`,
      dataClass: 'pseudonymised-health',
      store: 'local',
      title: `Health survey ${i}`,
      description: 'Answers of a national health survey wave, one row per respondent',
      publisher: 'Bench statistics office',
      themes: ['survey'],
      keywords: ['questionnaire', `wave-${i}`],
      createdBy: 'cli:bench',
    });
  }
  const operator = cliPrincipal('bench');
  const password = 'bench password, not a secret';
  const signIn = async (name: string, role: string) => {
    await access.users.add(operator, { name, role, password });
    const login = await access.auth.login({ username: name, password });
    return { token: login.accessToken, principal: await access.auth.authenticate(login.accessToken) };
  };
  const researcher = await signIn('bench-researcher', 'researcher');
  const reviewer = await signIn('bench-reviewer', 'reviewer');
  for (let i = 0; i < Number(values.seed); i++) {
    const a = await access.applications.create(researcher.principal, {
      project: `Study ${i}`,
      purpose: 'scientific-research',
      datasets: [{ dataset: 'cohort', tables: [{ name: 'stays', columns: ['stay_id', 'diagnosis'] }] }],
      justification: 'benchmark',
      declaration: true,
    });
    // One in ten goes all the way to a permit, so the permit listing has rows too.
    if (i % 10 === 0) {
      await access.applications.submit(researcher.principal, a.id);
      await access.applications.review(reviewer.principal, a.id);
      await access.applications.decide(reviewer.principal, a.id, { decision: 'approve' });
    }
  }
  const server = await serveHub(hub, { host: '127.0.0.1', port: 0 });
  const bare = Fastify();
  bare.get('/bare', () => Promise.resolve({ ok: true }));
  const served: Served = {
    hub: server.url,
    bare: await bare.listen({ host: '127.0.0.1', port: 0 }),
    token: researcher.token,
    pid: process.pid,
  };
  // The parent asks for this process's CPU time around each step (the servers' cost per request),
  // and with --profile starts and stops the profiler around it.
  const inspector = new Session();
  inspector.connect();
  process.on('message', (message: { do: 'cpu' | 'profile' | 'save'; file?: string }) => {
    void (async () => {
      if (message.do === 'profile') {
        await inspector.post('Profiler.enable');
        await inspector.post('Profiler.start');
      } else if (message.do === 'save') {
        const { profile } = await inspector.post('Profiler.stop');
        writeFileSync(message.file!, JSON.stringify(profile));
      }
      const { user, system } = process.cpuUsage();
      process.send?.(user + system);
    })();
  });
  process.stdout.write(`${JSON.stringify(served)}\n`);
  // The parent stops this process with SIGTERM: leave no hub behind in the temporary folder.
  process.once('SIGTERM', () => {
    void (async () => {
      await server.close();
      await bare.close();
      await hub.close();
      rmSync(home, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

/** Parent process: starts the servers, loads them, prints the figures, stops the child by its pid. */
async function measure(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const args = [
    '--import',
    'tsx',
    self,
    '--serve',
    '--seed',
    values.seed,
    ...(values.db === undefined ? [] : ['--db', values.db]),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const ask = (message: { do: 'cpu' | 'profile' | 'save'; file?: string }): Promise<number> =>
    new Promise((resolve) => {
      child.once('message', (micros) => resolve(micros as number));
      child.send(message);
    });
  const served = await new Promise<Served>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) {
        resolve(JSON.parse(line) as Served);
      }
    });
    child.on('exit', (code) => reject(new Error(`the server process exited (${code})`)));
  });
  try {
    await report(served, ask);
  } finally {
    process.kill(served.pid, 'SIGTERM');
  }
}

async function report(
  served: Served,
  ask: (message: { do: 'cpu' | 'profile' | 'save'; file?: string }) => Promise<number>,
): Promise<void> {
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const rates = values.rates.split(',').map(Number);
  const list = targets(served);
  console.log(
    `hdh API benchmark: ${duration} s per step, ${connections} connections, seed ${values.seed} applications\n`,
  );
  console.log('| target | rate (req/s) | achieved (req/s) | p50 (ms) | p99 (ms) | errors | non-2xx |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const atGoal = new Map<string, number>();
  for (const target of list) {
    // Warm-up: JIT, caches and connections, not measured.
    await autocannon({ url: target.url, headers: target.headers, connections, duration: 1 });
    for (const rate of rates) {
      const r = await autocannon({
        url: target.url,
        headers: target.headers,
        connections,
        duration,
        overallRate: rate,
      });
      if (rate === 1000) {
        atGoal.set(target.name, r.latency.p99);
      }
      console.log(
        `| ${target.name} | ${rate} | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors + r.timeouts} | ${r.non2xx} |`,
      );
    }
  }
  console.log(
    '\n| target | max (req/s) | p50 (ms) | p99 (ms) | share of bare | server CPU per request (ms) | CPU × bare | p99 at 1,000 req/s < 20 ms | ≥ 50 % of bare |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|:---:|:---:|');
  let bareRate = 0;
  let bareCpu = 0;
  if (values.profile !== undefined) {
    mkdirSync(values.profile, { recursive: true });
  }
  for (const target of list) {
    const before = await ask({ do: values.profile === undefined ? 'cpu' : 'profile' });
    const r = await autocannon({ url: target.url, headers: target.headers, connections, duration });
    const file =
      values.profile === undefined
        ? undefined
        : join(
            values.profile,
            `${target.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}.cpuprofile`,
          );
    const after = await ask(file === undefined ? { do: 'cpu' } : { do: 'save', file });
    const perRequest = (after - before) / 1000 / Math.max(1, r.requests.total);
    if (bareRate === 0) {
      bareRate = r.requests.average;
      bareCpu = perRequest;
    }
    const share = r.requests.average / bareRate;
    const p99 = atGoal.get(target.name);
    console.log(
      `| ${target.name} | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${(share * 100).toFixed(0)} % | ${perRequest.toFixed(3)} | ${(perRequest / bareCpu).toFixed(1)} | ${p99 === undefined ? 'n/a' : p99 < 20 ? 'yes' : 'no'} | ${share >= 0.5 ? 'yes' : 'no'} |`,
    );
  }
}
