/**
 * The demonstration hub `npm start` runs: on a fresh machine a hub is created (SQLite, filesystem
 * store, development keyring) and one demo account per role is added, each with a generated password
 * returned only this once. Later starts find both and change nothing.
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cliPrincipal, ROLES, type Role } from '../access/index.js';
import { CONFIG_FILE, isHdhError } from '../core/index.js';
import type { Hub } from './hub.js';
import { initHub } from './init.js';

/** Demo accounts are named after their role: `demo-operator`, `demo-researcher`, … */
export const DEMO_ACCOUNT_PREFIX = 'demo-';

export interface DemoAccount {
  readonly name: string;
  readonly role: Role;
  /** Only when the account was created by this call. */
  readonly password?: string;
}

export interface PrepareDemoOptions {
  readonly home: string;
  readonly env: Record<string, string | undefined>;
  /** Who the audit log names for the set-up (`cli:<os user>`). */
  readonly actor: string;
  /** Port written into a new hdh.yaml. */
  readonly port?: number;
}

/** Creates the hub in `home` unless one is there; true when it was created now. */
export async function ensureDemoHub(options: PrepareDemoOptions): Promise<boolean> {
  if (existsSync(join(options.home, CONFIG_FILE))) {
    return false;
  }
  await initHub({
    home: options.home,
    env: options.env,
    actor: options.actor,
    keys: { provider: 'local', development: true },
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  return true;
}

/** Adds the demo accounts that do not exist yet, through the access services (so each is audited). */
export async function ensureDemoAccounts(hub: Hub, actor: string): Promise<DemoAccount[]> {
  const access = await hub.access();
  const operator = cliPrincipal(actor.replace(/^cli:/, ''));
  const accounts: DemoAccount[] = [];
  for (const role of ROLES) {
    const name = `${DEMO_ACCOUNT_PREFIX}${role}`;
    try {
      await access.users.get(operator, name);
      accounts.push({ name, role });
    } catch (err) {
      if (!isHdhError(err, 'USER_NOT_FOUND')) {
        throw err;
      }
      const added = await access.users.add(operator, {
        name,
        role,
        displayName: `Demo ${role}`,
      });
      accounts.push({ name, role, password: added.generatedPassword! });
    }
  }
  return accounts;
}
