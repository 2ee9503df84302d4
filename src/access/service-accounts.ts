/**
 * Service accounts: identities for machines (a producer's extraction system, a SIEM pulling the audit
 * log). Each holds one role; its API tokens are opaque, shown once, stored as SHA-256 digests, and
 * revocable one by one.
 * @module
 */
import { CoreErrors, newId } from '../core/index.js';
import { addMs, checkName, DAY, MINUTE, type AccessContext } from './context.js';
import { AccessErrors } from './errors.js';
import type { Principal } from './principal.js';
import { isRole, SERVICE_ACCOUNT_ROLES, type Role } from './roles.js';
import { newOpaqueToken, tokenDigest } from './secrets.js';

export const API_TOKEN_PREFIX = 'hdh_at_';

export interface ServiceAccountView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly description: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly disabled: boolean;
}

export interface ApiTokenView {
  readonly id: string;
  readonly label: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revoked: boolean;
}

export interface IssuedApiToken extends ApiTokenView {
  /** The bearer token, shown this once: only its digest is kept. */
  readonly token: string;
}

/** `last_used_at` is refreshed at most this often, so a busy machine does not write on every call. */
const LAST_USED_GRANULARITY = MINUTE;

export class ServiceAccountService {
  readonly #ctx: AccessContext;

  constructor(ctx: AccessContext) {
    this.#ctx = ctx;
  }

  async create(
    principal: Principal,
    input: { readonly name: string; readonly role: string; readonly description?: string },
  ): Promise<ServiceAccountView> {
    const name = checkName(input.name, 'service account name');
    if (!isRole(input.role) || !SERVICE_ACCOUNT_ROLES.includes(input.role)) {
      throw CoreErrors.INPUT_INVALID(
        `a service account may hold role ${SERVICE_ACCOUNT_ROLES.join(' or ')}, not "${input.role}": permits name people, and administrators use named accounts`,
      );
    }
    const role = input.role;
    await this.#ctx.authorizer.enforce(principal, 'service-accounts.manage', { type: 'hub' });
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      {
        actor: principal.actor,
        action: 'service-accounts.create',
        target: `service:${name}`,
        details: { role },
      },
      async (trx) => {
        const taken = await trx
          .selectFrom('service_accounts')
          .select('id')
          .where('name', '=', name)
          .executeTakeFirst();
        if (taken !== undefined) {
          throw AccessErrors.USER_EXISTS(`a service account named ${name} already exists`);
        }
        await trx
          .insertInto('service_accounts')
          .values({
            id: newId('sva'),
            name,
            role,
            description: input.description ?? '',
            created_at: now,
            created_by: principal.actor,
            disabled_at: null,
          })
          .execute();
      },
    );
    return this.get(principal, name);
  }

  async list(principal: Principal): Promise<ServiceAccountView[]> {
    await this.#ctx.authorizer.enforce(principal, 'service-accounts.manage', { type: 'hub' });
    const rows = await this.#ctx.hub.db.selectFrom('service_accounts').selectAll().orderBy('name').execute();
    return rows.map(toAccountView);
  }

  async get(principal: Principal, name: string): Promise<ServiceAccountView> {
    await this.#ctx.authorizer.enforce(principal, 'service-accounts.manage', { type: 'hub' });
    return toAccountView(await this.#account(name));
  }

  /** Disables the account: every token it holds stops working at once. */
  async disable(principal: Principal, name: string): Promise<ServiceAccountView> {
    await this.#ctx.authorizer.enforce(principal, 'service-accounts.manage', { type: 'hub' });
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      { actor: principal.actor, action: 'service-accounts.disable', target: `service:${name}` },
      async (trx) => {
        const account = await this.#account(name, trx);
        await trx
          .updateTable('service_accounts')
          .set({ disabled_at: now })
          .where('id', '=', account.id)
          .execute();
      },
    );
    return this.get(principal, name);
  }

  /** Issues a token; `expiresInDays` bounds its life (none: until revoked). */
  async issueToken(
    principal: Principal,
    name: string,
    input: { readonly label: string; readonly expiresInDays?: number },
  ): Promise<IssuedApiToken> {
    await this.#ctx.authorizer.enforce(principal, 'service-accounts.manage', { type: 'hub' });
    if (input.label.trim() === '' || input.label.length > 200) {
      throw CoreErrors.INPUT_INVALID('the token label must be 1–200 characters');
    }
    if (
      input.expiresInDays !== undefined &&
      (!Number.isInteger(input.expiresInDays) || input.expiresInDays < 1)
    ) {
      throw CoreErrors.INPUT_INVALID(`expiresInDays ${input.expiresInDays} must be a positive integer`);
    }
    const now = this.#ctx.now();
    const token = newOpaqueToken(API_TOKEN_PREFIX);
    const id = newId('tok');
    const expiresAt =
      input.expiresInDays === undefined ? null : addMs(now, input.expiresInDays * DAY).toISOString();
    await this.#ctx.audit.withEntry(
      {
        actor: principal.actor,
        action: 'service-accounts.issue-token',
        target: `service:${name}`,
        details: { tokenId: id, label: input.label, expiresAt },
      },
      async (trx) => {
        const account = await this.#account(name, trx);
        await trx
          .insertInto('api_tokens')
          .values({
            id,
            service_account_id: account.id,
            label: input.label,
            token_hash: tokenDigest(token),
            created_at: now.toISOString(),
            created_by: principal.actor,
            expires_at: expiresAt,
            last_used_at: null,
            revoked_at: null,
            revoked_by: null,
          })
          .execute();
      },
    );
    const view = (await this.tokens(principal, name)).find((t) => t.id === id)!;
    return { ...view, token };
  }

  async tokens(principal: Principal, name: string): Promise<ApiTokenView[]> {
    await this.#ctx.authorizer.enforce(principal, 'service-accounts.manage', { type: 'hub' });
    const account = await this.#account(name);
    const rows = await this.#ctx.hub.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('service_account_id', '=', account.id)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      label: r.label,
      createdAt: r.created_at,
      createdBy: r.created_by,
      expiresAt: r.expires_at,
      lastUsedAt: r.last_used_at,
      revoked: r.revoked_at !== null,
    }));
  }

  async revokeToken(principal: Principal, name: string, tokenId: string): Promise<void> {
    await this.#ctx.authorizer.enforce(principal, 'service-accounts.manage', { type: 'hub' });
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      {
        actor: principal.actor,
        action: 'service-accounts.revoke-token',
        target: `service:${name}`,
        details: { tokenId },
      },
      async (trx) => {
        const account = await this.#account(name, trx);
        const result = await trx
          .updateTable('api_tokens')
          .set({ revoked_at: now, revoked_by: principal.actor })
          .where('id', '=', tokenId)
          .where('service_account_id', '=', account.id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) {
          const exists = await trx
            .selectFrom('api_tokens')
            .select('id')
            .where('id', '=', tokenId)
            .where('service_account_id', '=', account.id)
            .executeTakeFirst();
          if (exists === undefined) {
            throw AccessErrors.API_TOKEN_NOT_FOUND(`service account ${name} has no token ${tokenId}`);
          }
        }
      },
    );
  }

  /** The principal behind an API token; refuses revoked, expired and disabled ones. */
  async authenticate(token: string): Promise<Principal> {
    const row = await this.#ctx.hub.db
      .selectFrom('api_tokens')
      .innerJoin('service_accounts', 'service_accounts.id', 'api_tokens.service_account_id')
      .select([
        'api_tokens.id as token_id',
        'api_tokens.expires_at',
        'api_tokens.revoked_at',
        'api_tokens.last_used_at',
        'service_accounts.id',
        'service_accounts.name',
        'service_accounts.role',
        'service_accounts.disabled_at',
      ])
      .where('api_tokens.token_hash', '=', tokenDigest(token))
      .executeTakeFirst();
    if (row === undefined) {
      throw AccessErrors.AUTH_TOKEN_INVALID('the API token was not issued by this hub');
    }
    const now = this.#ctx.now();
    if (row.revoked_at !== null) {
      throw AccessErrors.AUTH_TOKEN_REVOKED(`API token ${row.token_id} was revoked`);
    }
    if (row.disabled_at !== null) {
      throw AccessErrors.AUTH_TOKEN_REVOKED(`service account ${row.name} is disabled`);
    }
    if (row.expires_at !== null && row.expires_at <= now.toISOString()) {
      throw AccessErrors.AUTH_TOKEN_EXPIRED(`API token ${row.token_id} expired at ${row.expires_at}`);
    }
    if (row.last_used_at === null || now.getTime() - Date.parse(row.last_used_at) > LAST_USED_GRANULARITY) {
      await this.#ctx.hub.db
        .updateTable('api_tokens')
        .set({ last_used_at: now.toISOString() })
        .where('id', '=', row.token_id)
        .execute();
    }
    return {
      kind: 'service',
      id: row.id,
      name: row.name,
      role: row.role as Role,
      actor: `service:${row.name}`,
      mfa: false,
      mfaEnrolmentRequired: false,
    };
  }

  async #account(name: string, db = this.#ctx.hub.db) {
    const row = await db
      .selectFrom('service_accounts')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (row === undefined) {
      throw AccessErrors.SERVICE_ACCOUNT_NOT_FOUND(`no service account named ${name}`);
    }
    return row;
  }
}

function toAccountView(r: {
  id: string;
  name: string;
  role: string;
  description: string;
  created_at: string;
  created_by: string;
  disabled_at: string | null;
}): ServiceAccountView {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    description: r.description,
    createdAt: r.created_at,
    createdBy: r.created_by,
    disabled: r.disabled_at !== null,
  };
}
