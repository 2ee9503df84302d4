/**
 * Data permits (EHDS Art. 68): issued when an application is approved, naming the persons, the dataset
 * versions, tables and columns, the validity window and the disclosure-control profile for outputs.
 * Expiry is not a stored status: every read and every authorisation compares `ends_at` with the clock,
 * so an expired permit stops working at its end without any scheduled job. Suspension and revocation
 * change the row and take effect on the next check.
 * @module
 */
import type { Kysely } from 'kysely';
import { CoreErrors, newId } from '../../core/index.js';
import type { Database, PermitsTable } from '../../db/index.js';
import type { PermitGrant, PermitLookup } from '../authorize.js';
import { DAY, type AccessContext } from '../context.js';
import { AccessErrors } from '../errors.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageQuery } from '../pagination.js';
import type { Principal } from '../principal.js';
import type { PermitDataset } from '../scope.js';

export const PERMIT_STATUSES = ['active', 'suspended', 'expired', 'revoked'] as const;
export type PermitStatus = (typeof PERMIT_STATUSES)[number];

export interface PermitView {
  readonly id: string;
  readonly applicationId: string;
  readonly applicant: string;
  readonly purpose: string;
  readonly scope: PermitDataset[];
  readonly persons: string[];
  readonly disclosureProfile: string;
  readonly startsAt: string;
  readonly endsAt: string;
  /** As of now: `active` turns `expired` by itself at `endsAt`. */
  readonly status: PermitStatus;
  /** Whole days until `endsAt` (0 once past). */
  readonly remainingDays: number;
  readonly issuedAt: string;
  readonly issuedBy: string;
  readonly statusChangedAt: string | null;
  readonly statusChangedBy: string | null;
  readonly statusReason: string | null;
}

export interface ListPermitsQuery extends PageQuery {
  readonly status?: PermitStatus;
  readonly applicationId?: string;
}

export interface NewPermit {
  readonly applicationId: string;
  readonly purpose: string;
  readonly scope: readonly PermitDataset[];
  readonly persons: readonly string[];
  readonly disclosureProfile: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly issuedBy: string;
}

/** Writes a permit inside the caller's transaction (the approval). */
export async function insertPermit(
  trx: Kysely<Database>,
  permit: NewPermit,
  nowIso: string,
): Promise<string> {
  const id = newId('pmt');
  await trx
    .insertInto('permits')
    .values({
      id,
      application_id: permit.applicationId,
      purpose: permit.purpose,
      scope: JSON.stringify(permit.scope),
      disclosure_profile: permit.disclosureProfile,
      starts_at: permit.startsAt,
      ends_at: permit.endsAt,
      status: 'active',
      issued_at: nowIso,
      issued_by: permit.issuedBy,
      status_changed_at: null,
      status_changed_by: null,
      status_reason: null,
    })
    .execute();
  for (const person of new Set(permit.persons)) {
    await trx.insertInto('permit_persons').values({ permit_id: id, user_name: person }).execute();
  }
  return id;
}

export function effectiveStatus(row: Pick<PermitsTable, 'status' | 'ends_at'>, nowIso: string): PermitStatus {
  if (row.status === 'revoked') {
    return 'revoked';
  }
  if (row.ends_at <= nowIso) {
    return 'expired';
  }
  return row.status === 'suspended' ? 'suspended' : 'active';
}

type PermitRow = PermitsTable & { applicant: string };

export class PermitService implements PermitLookup {
  readonly #ctx: AccessContext;

  constructor(ctx: AccessContext) {
    this.#ctx = ctx;
  }

  async list(principal: Principal, query: ListPermitsQuery = {}): Promise<Page<PermitView>> {
    const decision = await this.#ctx.authorizer.enforce(principal, 'permit.read', {
      type: 'collection',
      of: 'permits',
    });
    const limit = pageLimit(query);
    const before = decodeCursor(query.cursor);
    const now = this.#ctx.now().toISOString();
    let q = this.#select()
      .orderBy('permits.id', 'desc')
      .limit(limit + 1);
    if (before !== undefined) {
      q = q.where('permits.id', '<', before);
    }
    if (query.applicationId !== undefined) {
      q = q.where('permits.application_id', '=', query.applicationId);
    }
    if (decision.filter === 'own') {
      q = q.where('permits.id', 'in', (eb) =>
        eb.selectFrom('permit_persons').select('permit_id').where('user_name', '=', principal.name),
      );
    }
    switch (query.status) {
      case undefined:
        break;
      case 'revoked':
        q = q.where('permits.status', '=', 'revoked');
        break;
      case 'expired':
        q = q.where('permits.status', '!=', 'revoked').where('permits.ends_at', '<=', now);
        break;
      case 'active':
      case 'suspended':
        q = q.where('permits.status', '=', query.status).where('permits.ends_at', '>', now);
        break;
    }
    const rows = await q.execute();
    const persons = await this.#persons(rows.map((r) => r.id));
    return toPage(
      rows,
      limit,
      (r) => r.id,
      (r) => this.#view(r, persons.get(r.id) ?? []),
    );
  }

  async get(principal: Principal, id: string): Promise<PermitView> {
    const { row, persons } = await this.#load(id);
    await this.#ctx.authorizer.enforce(principal, 'permit.read', {
      type: 'permit',
      id,
      persons,
      applicant: row.applicant,
    });
    return this.#view(row, persons);
  }

  /** Halts the permit at once (EHDS Art. 63); {@link reinstate} lifts it. */
  suspend(principal: Principal, id: string, reason: string): Promise<PermitView> {
    return this.#change(principal, id, 'permit.suspend', ['active'], 'suspended', reason);
  }

  reinstate(principal: Principal, id: string, reason: string): Promise<PermitView> {
    return this.#change(principal, id, 'permit.reinstate', ['suspended'], 'active', reason);
  }

  /** Ends the permit for good; it takes effect at the next authorisation. */
  revoke(principal: Principal, id: string, reason: string): Promise<PermitView> {
    return this.#change(principal, id, 'permit.revoke', ['active', 'suspended'], 'revoked', reason);
  }

  async activePermitsNaming(userName: string, atIso: string): Promise<readonly PermitGrant[]> {
    const rows = await this.#ctx.hub.db
      .selectFrom('permits')
      .innerJoin('permit_persons', 'permit_persons.permit_id', 'permits.id')
      .select(['permits.id', 'permits.ends_at', 'permits.scope'])
      .where('permit_persons.user_name', '=', userName)
      .where('permits.status', '=', 'active')
      .where('permits.starts_at', '<=', atIso)
      .where('permits.ends_at', '>', atIso)
      .orderBy('permits.id')
      .execute();
    return rows.map((r) => ({ id: r.id, endsAt: r.ends_at, scope: JSON.parse(r.scope) as PermitDataset[] }));
  }

  async #change(
    principal: Principal,
    id: string,
    action: 'permit.suspend' | 'permit.reinstate' | 'permit.revoke',
    from: readonly PermitStatus[],
    to: 'active' | 'suspended' | 'revoked',
    reason: string,
  ): Promise<PermitView> {
    if (reason.trim() === '') {
      throw CoreErrors.INPUT_INVALID(`${action} needs a reason`);
    }
    const { row, persons } = await this.#load(id);
    await this.#ctx.authorizer.enforce(principal, action, {
      type: 'permit',
      id,
      persons,
      applicant: row.applicant,
    });
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      { actor: principal.actor, action, target: `permit:${id}`, details: { reason, status: to } },
      async (trx) => {
        // Read again inside the transaction: another reviewer may have acted since.
        const current = await trx
          .selectFrom('permits')
          .select(['status', 'ends_at'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        const status = effectiveStatus(current, now);
        if (!from.includes(status)) {
          throw AccessErrors.PERMIT_NOT_ACTIVE(
            `cannot ${action.slice('permit.'.length)} permit ${id}: it is ${status}; that needs ${from.join(' or ')}`,
            { details: { status } },
          );
        }
        await trx
          .updateTable('permits')
          .set({
            status: to,
            status_changed_at: now,
            status_changed_by: principal.actor,
            status_reason: reason,
          })
          .where('id', '=', id)
          .execute();
      },
    );
    return this.#view((await this.#load(id)).row, persons);
  }

  #select() {
    return this.#ctx.hub.db
      .selectFrom('permits')
      .innerJoin('applications', 'applications.id', 'permits.application_id')
      .selectAll('permits')
      .select('applications.applicant');
  }

  async #load(id: string): Promise<{ row: PermitRow; persons: string[] }> {
    const row = await this.#select().where('permits.id', '=', id).executeTakeFirst();
    if (row === undefined) {
      throw AccessErrors.PERMIT_NOT_FOUND(`no permit ${id}`);
    }
    const persons = (await this.#persons([id])).get(id) ?? [];
    return { row, persons };
  }

  async #persons(ids: readonly string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (ids.length === 0) {
      return map;
    }
    const rows = await this.#ctx.hub.db
      .selectFrom('permit_persons')
      .select(['permit_id', 'user_name'])
      .where('permit_id', 'in', ids)
      .orderBy('user_name')
      .execute();
    for (const r of rows) {
      map.set(r.permit_id, [...(map.get(r.permit_id) ?? []), r.user_name]);
    }
    return map;
  }

  #view(row: PermitRow, persons: string[]): PermitView {
    const now = this.#ctx.now();
    return {
      id: row.id,
      applicationId: row.application_id,
      applicant: row.applicant,
      purpose: row.purpose,
      scope: JSON.parse(row.scope) as PermitDataset[],
      persons: [...persons],
      disclosureProfile: row.disclosure_profile,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      status: effectiveStatus(row, now.toISOString()),
      remainingDays: Math.max(0, Math.ceil((Date.parse(row.ends_at) - now.getTime()) / DAY)),
      issuedAt: row.issued_at,
      issuedBy: row.issued_by,
      statusChangedAt: row.status_changed_at,
      statusChangedBy: row.status_changed_by,
      statusReason: row.status_reason,
    };
  }
}
