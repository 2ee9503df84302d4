/**
 * A real hub behind the API, for the routes that act on stores, keys, sovereignty, ingestion and
 * migrations: a home made by `initHub` (fs store, development keyring), its database on SQLite or
 * on a fresh PostgreSQL database, the application as `hdh serve` builds it, and one signed-in
 * principal per role.
 * @module
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base32Decode, cliPrincipal, totp, type Access, type Principal } from '../../access/index.js';
import type { DialectName } from '../../db/index.js';
import { createPostgresDatabase } from '../../db/testing.js';
import { initHub, openHub, type Hub } from '../../hub/index.js';
import type { HubApp } from '../context.js';
import { createHubApp } from '../serve.js';
import { signInEveryone, type SignedIn } from './matrix.js';

export const HUB_PASSWORD = 'correct horse battery staple';

export interface HubServerFixture extends SignedIn {
  readonly home: string;
  readonly hub: Hub;
  readonly access: Access;
  readonly app: HubApp;
  /** The local operator at the CLI. */
  readonly operator: Principal;
  close(): Promise<void>;
}

export interface HubServerOptions {
  /** More fs stores beside `local`: name → provider id (each rooted in the home). */
  readonly fsStores?: Readonly<Record<string, string>>;
}

export async function hubServerFixture(
  dialect: DialectName,
  options: HubServerOptions = {},
): Promise<HubServerFixture> {
  const home = join(mkdtempSync(join(tmpdir(), 'hdh-hub-server-')), 'hub');
  const pg = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
  await initHub({
    home,
    env: {},
    actor: 'cli:tester',
    keys: { provider: 'local', development: true },
    ...(pg === undefined ? {} : { database: pg.url }),
  });
  const extra = Object.entries(options.fsStores ?? {});
  if (extra.length > 0) {
    const file = join(home, 'hdh.yaml');
    const lines = extra.flatMap(([name, provider]) => [
      `  ${name}:`,
      '    type: fs',
      `    root: ${name}-objects`,
      `    provider: ${provider}`,
    ]);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/^defaultStore:/m, `${lines.join('\n')}\ndefaultStore:`),
    );
  }
  const hub = await openHub({ home, env: {}, prompt: false });
  const access = await hub.access();
  const app = await createHubApp(hub);
  await app.ready();
  const operator = cliPrincipal('tester');
  const signedIn = await signInEveryone(access, operator, HUB_PASSWORD, (secret) =>
    totp(base32Decode(secret), Date.now()),
  );
  return {
    home,
    hub,
    access,
    app,
    operator,
    ...signedIn,
    close: async () => {
      await app.close();
      await hub.close();
      await pg?.drop();
      await rm(join(home, '..'), { recursive: true, force: true });
    },
  };
}
