/**
 * User accounts: the operator adds, lists, disables and re-enables them, resets their second factor
 * and decides which roles must use one. Each change and its audit entry are written together.
 * @module
 */
import type { Kysely } from 'kysely';
import { CoreErrors, newId } from '../core/index.js';
import type { Database, UsersTable } from '../db/index.js';
import { checkName, type AccessContext } from './context.js';
import { AccessErrors } from './errors.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageQuery } from './pagination.js';
import { checkPasswordPolicy, generatePassword, hashPassword, verifyPassword } from './passwords.js';
import type { Principal } from './principal.js';
import { isRole, ROLES, type Role } from './roles.js';
import { revokeSessions } from './sessions.js';
import { mfaRequiredRoles, writeMfaRequiredRoles } from './settings.js';

export interface UserView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly displayName: string | null;
  readonly email: string | null;
  /** `local` (password) or `oidc` (an identity provider vouches for the person). */
  readonly source: 'local' | 'oidc';
  readonly mfaEnabled: boolean;
  readonly disabled: boolean;
  readonly lockedUntil: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly lastLoginAt: string | null;
}

export interface AddUserInput {
  readonly name: string;
  readonly role: string;
  /** Without one, a password is generated and returned once. */
  readonly password?: string;
  readonly displayName?: string;
  readonly email?: string;
}

export interface AddUserResult {
  readonly user: UserView;
  /** Present only when the hub generated the password; it is not kept anywhere in clear. */
  readonly generatedPassword?: string;
}

export interface ListUsersQuery extends PageQuery {
  readonly role?: Role;
  readonly includeDisabled?: boolean;
}

type UserRow = UsersTable & { mfa_enabled: number | null };

export class UserService {
  readonly #ctx: AccessContext;

  constructor(ctx: AccessContext) {
    this.#ctx = ctx;
  }

  /** Adds a local account. Without `password` one is generated and returned once. */
  async add(principal: Principal, input: AddUserInput): Promise<AddUserResult> {
    const name = checkName(input.name, 'user name');
    const role = parseRole(input.role);
    await this.#ctx.authorizer.enforce(principal, 'users.manage', { type: 'user', name });
    const generated = input.password === undefined ? generatePassword() : undefined;
    const password = input.password ?? generated!;
    checkPasswordPolicy(password, this.#ctx.config.passwords.minLength);
    const hash = await hashPassword(password);
    const now = this.#ctx.now().toISOString();
    const id = newId('usr');
    await this.#ctx.audit.withEntry(
      {
        actor: principal.actor,
        action: 'users.add',
        target: `user:${name}`,
        details: { role, passwordGenerated: generated !== undefined },
      },
      async (trx) => {
        await assertNameFree(trx, name);
        await trx
          .insertInto('users')
          .values({
            id,
            name,
            role,
            display_name: input.displayName ?? null,
            email: input.email ?? null,
            oidc_issuer: null,
            oidc_subject: null,
            created_at: now,
            created_by: principal.actor,
            disabled_at: null,
            disabled_by: null,
            last_login_at: null,
            failed_count: 0,
            failed_since: null,
            locked_until: null,
          })
          .execute();
        await trx.insertInto('user_passwords').values({ user_id: id, hash, changed_at: now }).execute();
      },
    );
    const user = await this.#view(name);
    return generated === undefined ? { user } : { user, generatedPassword: generated };
  }

  async list(principal: Principal, query: ListUsersQuery = {}): Promise<Page<UserView>> {
    await this.#ctx.authorizer.enforce(principal, 'users.manage', { type: 'collection', of: 'users' });
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    let q = selectUsers(this.#ctx.hub.db)
      .orderBy('users.name')
      .limit(limit + 1);
    if (after !== undefined) {
      q = q.where('users.name', '>', after);
    }
    if (query.role !== undefined) {
      q = q.where('users.role', '=', query.role);
    }
    if (query.includeDisabled !== true) {
      q = q.where('users.disabled_at', 'is', null);
    }
    const rows = await q.execute();
    return toPage(
      rows,
      limit,
      (r) => r.name,
      (r) => toView(r, this.#ctx.now()),
    );
  }

  async get(principal: Principal, name: string): Promise<UserView> {
    await this.#ctx.authorizer.enforce(principal, 'users.manage', { type: 'user', name });
    return this.#view(name);
  }

  /** Disables the account and ends all its sessions at once. */
  async disable(principal: Principal, name: string): Promise<UserView> {
    await this.#ctx.authorizer.enforce(principal, 'users.manage', { type: 'user', name });
    if (principal.kind === 'user' && principal.name === name) {
      throw CoreErrors.INPUT_INVALID(`${name} may not disable their own account`);
    }
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      { actor: principal.actor, action: 'users.disable', target: `user:${name}` },
      async (trx) => {
        const user = await findUser(trx, name);
        await trx
          .updateTable('users')
          .set({ disabled_at: now, disabled_by: principal.actor })
          .where('id', '=', user.id)
          .execute();
        return revokeSessions(trx, { userId: user.id }, 'account disabled', now);
      },
      (sessionsRevoked) => ({ sessionsRevoked }),
    );
    return this.#view(name);
  }

  /** Re-enables the account and clears any lockout. */
  async enable(principal: Principal, name: string): Promise<UserView> {
    await this.#ctx.authorizer.enforce(principal, 'users.manage', { type: 'user', name });
    await this.#ctx.audit.withEntry(
      { actor: principal.actor, action: 'users.enable', target: `user:${name}` },
      async (trx) => {
        const user = await findUser(trx, name);
        await trx
          .updateTable('users')
          .set({
            disabled_at: null,
            disabled_by: null,
            failed_count: 0,
            failed_since: null,
            locked_until: null,
          })
          .where('id', '=', user.id)
          .execute();
      },
    );
    return this.#view(name);
  }

  /**
   * Removes the user's second factor (a lost phone) and ends their sessions; their next login
   * enrols a new one if their role requires it.
   */
  async resetMfa(principal: Principal, name: string): Promise<UserView> {
    await this.#ctx.authorizer.enforce(principal, 'users.manage', { type: 'user', name });
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      { actor: principal.actor, action: 'users.reset-mfa', target: `user:${name}` },
      async (trx) => {
        const user = await findUser(trx, name);
        await trx.deleteFrom('user_mfa').where('user_id', '=', user.id).execute();
        await revokeSessions(trx, { userId: user.id }, 'second factor reset', now);
      },
    );
    return this.#view(name);
  }

  /** The roles whose users must use a second factor. */
  async mfaPolicy(principal: Principal): Promise<readonly Role[]> {
    await this.#ctx.authorizer.enforce(principal, 'users.manage', { type: 'hub' });
    return mfaRequiredRoles(this.#ctx.hub.db, this.#ctx.config.mfa.requiredRoles);
  }

  /** Requires (or stops requiring) a second factor for every user of a role, from their next request. */
  async setMfaRequired(principal: Principal, role: string, required: boolean): Promise<readonly Role[]> {
    const checked = parseRole(role);
    await this.#ctx.authorizer.enforce(principal, 'users.manage', { type: 'hub' });
    const fixed = this.#ctx.config.mfa.requiredRoles;
    if (!required && fixed.includes(checked)) {
      throw AccessErrors.MFA_POLICY_FIXED(
        `hdh.yaml requires a second factor for ${checked} (access.mfa.requiredRoles): change it there`,
      );
    }
    return this.#ctx.audit.withEntry(
      {
        actor: principal.actor,
        action: 'users.mfa-policy',
        target: `role:${checked}`,
        details: { required },
      },
      async (trx) => {
        const current = await mfaRequiredRoles(trx);
        const next = required ? [...current, checked] : current.filter((r) => r !== checked);
        await writeMfaRequiredRoles(trx, next);
        return mfaRequiredRoles(trx, fixed);
      },
    );
  }

  /** A user changes their own password; their other sessions end. */
  async changeOwnPassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    await this.#ctx.authorizer.enforce(principal, 'self.password', { type: 'user', name: principal.name });
    checkPasswordPolicy(newPassword, this.#ctx.config.passwords.minLength);
    const row = await this.#ctx.hub.db
      .selectFrom('user_passwords')
      .select('hash')
      .where('user_id', '=', principal.id)
      .executeTakeFirst();
    if (row === undefined || !(await verifyPassword(row.hash, currentPassword))) {
      await this.#ctx.audit.record({
        actor: principal.actor,
        action: 'auth.password-change',
        target: `user:${principal.name}`,
        outcome: 'failure',
        details: { reason: row === undefined ? 'no local password' : 'current password wrong' },
      });
      throw AccessErrors.AUTH_INVALID_CREDENTIALS('the current password is wrong');
    }
    const hash = await hashPassword(newPassword);
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      { actor: principal.actor, action: 'auth.password-change', target: `user:${principal.name}` },
      async (trx) => {
        await trx
          .updateTable('user_passwords')
          .set({ hash, changed_at: now })
          .where('user_id', '=', principal.id)
          .execute();
        const others = await trx
          .selectFrom('auth_sessions')
          .select('id')
          .where('user_id', '=', principal.id)
          .where('revoked_at', 'is', null)
          .execute();
        for (const s of others) {
          if (s.id !== principal.sessionId) {
            await revokeSessions(trx, { sessionId: s.id }, 'password changed', now);
          }
        }
      },
    );
  }

  /** The user's own view (for `GET /api/me`); no authorisation beyond being signed in as them. */
  async self(principal: Principal): Promise<UserView> {
    await this.#ctx.authorizer.enforce(principal, 'self.read', { type: 'user', name: principal.name });
    return this.#view(principal.name);
  }

  async #view(name: string): Promise<UserView> {
    const row = await selectUsers(this.#ctx.hub.db).where('users.name', '=', name).executeTakeFirst();
    if (row === undefined) {
      throw AccessErrors.USER_NOT_FOUND(`no user named ${name}`);
    }
    return toView(row, this.#ctx.now());
  }
}

export function parseRole(role: string): Role {
  if (!isRole(role)) {
    throw CoreErrors.INPUT_INVALID(`role "${role}" is not one of ${ROLES.join(', ')}`);
  }
  return role;
}

function selectUsers(db: Kysely<Database>) {
  return db
    .selectFrom('users')
    .leftJoin('user_mfa', 'user_mfa.user_id', 'users.id')
    .selectAll('users')
    .select('user_mfa.enabled as mfa_enabled');
}

export async function findUser(trx: Kysely<Database>, name: string): Promise<UsersTable> {
  const user = await trx.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
  if (user === undefined) {
    throw AccessErrors.USER_NOT_FOUND(`no user named ${name}`);
  }
  return user;
}

export async function assertNameFree(trx: Kysely<Database>, name: string): Promise<void> {
  const taken = await trx.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
  if (taken !== undefined) {
    throw AccessErrors.USER_EXISTS(`a user named ${name} already exists`);
  }
}

function toView(row: UserRow, now: Date): UserView {
  const locked = row.locked_until !== null && row.locked_until > now.toISOString() ? row.locked_until : null;
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    displayName: row.display_name,
    email: row.email,
    source: row.oidc_issuer === null ? 'local' : 'oidc',
    mfaEnabled: row.mfa_enabled === 1,
    disabled: row.disabled_at !== null,
    lockedUntil: locked,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastLoginAt: row.last_login_at,
  };
}
