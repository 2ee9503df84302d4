/**
 * `npm start` as a user runs it: `node bin/hdh.js start` in a fresh folder creates the demo hub and
 * serves it; a second start reuses both. The program runs in its own process, stopped by SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '../../bin/hdh.js');

interface Started {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly url: string;
}

const running = new Set<ChildProcess>();

/** Starts `hdh start` (or another serving command) and waits until it prints that it serves. */
async function start(
  home: string,
  args: readonly string[] = ['start', '--port', '0'],
  env: Record<string, string> = {},
): Promise<Started> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env['PATH'], HDH_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((done, fail) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^API: +(http:\/\/127\.0\.0\.1:\d+)\/api$/m.exec(out);
      if (m !== null && out.includes('Stop with Ctrl-C.')) {
        done(m[1]!);
      }
    });
    child.on('exit', (code) => fail(new Error(`hdh start exited (${code}):\n${out}\n${err}`)));
  });
  return { child, stdout: () => out, stderr: () => err, url };
}

async function stop(s: Started): Promise<number | null> {
  const exited = new Promise<number | null>((done) => s.child.on('exit', (code) => done(code)));
  s.child.kill('SIGTERM');
  const code = await exited;
  running.delete(s.child);
  return code;
}

async function signIn(url: string, username: string, password: string): Promise<Response> {
  return fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

afterAll(() => {
  for (const child of running) {
    child.kill('SIGKILL');
  }
});

describe('hdh start (what npm start runs)', () => {
  it('creates a demo hub on first start, serves it, stops on SIGTERM, and reuses it next time', async () => {
    const home = join(mkdtempSync(join(tmpdir(), 'hdh-e2e-start-')), '.hdh');
    const first = await start(home);
    expect(first.stdout()).toContain('(created now)');
    expect(existsSync(join(home, 'hdh.yaml'))).toBe(true);
    expect(first.stderr()).toMatch(/DEVELOPMENT keyring/);
    const accounts = [...first.stdout().matchAll(/^(demo-[a-z]+) +([a-z]+) +(\S+)$/gm)].map((m) => ({
      name: m[1]!,
      role: m[2]!,
      password: m[3]!,
    }));
    expect(accounts.map((a) => a.role).sort()).toEqual(
      ['auditor', 'checker', 'operator', 'producer', 'researcher', 'reviewer'].sort(),
    );

    const health = await fetch(`${first.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite' });
    const researcher = accounts.find((a) => a.role === 'researcher')!;
    const login = await signIn(first.url, researcher.name, researcher.password);
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const datasets = await fetch(`${first.url}/api/datasets`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(datasets.status).toBe(200);
    // The synthetic population went through the real pipeline into the catalogue.
    const { items } = (await datasets.json()) as { items: { name: string; currentVersion?: number }[] };
    expect(items).toEqual([expect.objectContaining({ name: 'demo-population', currentVersion: 1 })]);
    expect(first.stdout()).toMatch(/^data: +demo-population v1: 200 persons, \d+ records accepted/m);
    // Its lineage names the generated files, not the temporary folder they were generated in.
    const detail = await fetch(`${first.url}/api/datasets/demo-population`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const { current } = (await detail.json()) as { current: { lineage: { inputs: { fileName: string }[] } } };
    expect(current.lineage.inputs.map((i) => i.fileName)).toContain('Patient.ndjson');
    expect(await stop(first)).toBe(0);
    expect(first.stdout()).toMatch(/SIGTERM: stopping\nstopped\n$/);

    const second = await start(home);
    expect(second.stdout()).not.toContain('(created now)');
    expect(second.stdout()).toContain('the demo dataset is in the catalogue');
    expect(second.stdout()).not.toContain(researcher.password);
    expect(second.stdout()).toMatch(
      /^accounts: demo-operator, .*\(passwords were shown at the first start\)$/m,
    );
    // The warning is printed at every start, not only the first.
    expect(second.stderr()).toMatch(/DEVELOPMENT keyring/);
    expect((await signIn(second.url, researcher.name, researcher.password)).status).toBe(200);
    expect((await signIn(second.url, researcher.name, 'not the password')).status).toBe(401);
    expect(await stop(second)).toBe(0);
  }, 120_000);

  it('says so when the port is taken, without a stack trace', async () => {
    const home = join(mkdtempSync(join(tmpdir(), 'hdh-e2e-start-')), '.hdh');
    const first = await start(home);
    const port = new URL(first.url).port;
    const clash = spawn(process.execPath, [BIN, 'start', '--port', port], {
      env: { PATH: process.env['PATH'], HDH_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(clash);
    let err = '';
    clash.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((done) => clash.on('exit', (c) => done(c)));
    running.delete(clash);
    expect(code).toBe(1);
    expect(err).toMatch(/^error SERVER_LISTEN_FAILED: 127\.0\.0\.1:\d+ is already in use/m);
    expect(err).not.toMatch(/\n\s+at /);
    expect(await stop(first)).toBe(0);
  }, 120_000);

  it('hdh serve runs an existing hub with its own keys and no demo, and refuses a wrong passphrase before listening', async () => {
    const home = join(mkdtempSync(join(tmpdir(), 'hdh-e2e-serve-')), 'hub');
    const passphrase = { HDH_KEYRING_PASSPHRASE: 'correct horse battery staple' };
    const init = spawn(process.execPath, [BIN, 'init', '--home', home], {
      env: { PATH: process.env['PATH'], ...passphrase },
      stdio: 'ignore',
    });
    expect(await new Promise((done) => init.on('exit', done))).toBe(0);

    const wrong = spawn(process.execPath, [BIN, 'serve', '--home', home, '--port', '0'], {
      env: { PATH: process.env['PATH'], HDH_KEYRING_PASSPHRASE: 'not the passphrase' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(wrong);
    let out = '';
    let err = '';
    wrong.stdout.on('data', (c: Buffer) => (out += c.toString()));
    wrong.stderr.on('data', (c: Buffer) => (err += c.toString()));
    expect(await new Promise((done) => wrong.on('exit', done))).toBe(1);
    running.delete(wrong);
    expect(err).toMatch(/^error KMS_PASSPHRASE_WRONG: /m);
    expect(out).not.toContain('API:');

    const served = await start(
      home,
      ['serve', '--home', home, '--port', '0', '--log-level', 'silent'],
      passphrase,
    );
    expect(served.stdout()).not.toMatch(/demo/i);
    expect(served.stderr()).not.toContain('DEVELOPMENT');
    expect((await fetch(`${served.url}/health`)).status).toBe(200);
    expect((await signIn(served.url, 'demo-operator', 'anything')).status).toBe(401);
    expect(await stop(served)).toBe(0);

    // `hdh start` adds demo accounts and data only to a demo hub, never to this one.
    const demo = spawn(process.execPath, [BIN, 'start', '--home', home, '--port', '0'], {
      env: { PATH: process.env['PATH'], ...passphrase },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    running.add(demo);
    let demoErr = '';
    demo.stderr.on('data', (c: Buffer) => (demoErr += c.toString()));
    expect(await new Promise((done) => demo.on('exit', done))).toBe(1);
    running.delete(demo);
    expect(demoErr).toMatch(/^error INPUT_INVALID: .* holds a hub with real keys, not a demo hub/m);
  }, 120_000);
});
