/**
 * Access applications (EHDS Art. 67) from draft to decision, and the permit an approval issues. Each
 * step checks the caller with the authoriser, moves the state machine inside one transaction with its
 * event and its audit entry, and leaves nothing half-written when it fails.
 * @module
 */
import type { Kysely } from 'kysely';
import { CoreErrors, newId } from '../../core/index.js';
import type { ApplicationsTable, Database } from '../../db/index.js';
import type { Resource } from '../authorize.js';
import type { AccessContext } from '../context.js';
import { AccessErrors } from '../errors.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageQuery } from '../pagination.js';
import { insertPermit } from '../permits/permit-service.js';
import type { Principal } from '../principal.js';
import type { RequestedDataset } from '../scope.js';
import { addMonths, statutoryClock, type StatutoryClock } from './clock.js';
import { purposeOf, PURPOSE_CODES, type Purpose } from './purposes.js';
import { checkRequested, pinScope } from './requested.js';
import { nextState, type ApplicationState, type ApplicationStep } from './states.js';

/** EHDS Art. 68(12): a permit lasts at most 10 years. */
export const MAX_DURATION_MONTHS = 120;
const MAX_TEAM = 100;
const MAX_TEXT = 20_000;

export interface ApplicationInput {
  readonly project: string;
  /** One of {@link PURPOSE_CODES}. */
  readonly purpose: string;
  readonly datasets?: readonly RequestedDataset[];
  /** User names of the other researchers; the applicant is always on the team. */
  readonly team?: readonly string[];
  readonly justification?: string;
  readonly durationMonths?: number;
  /** The applicant declares no use prohibited by EHDS Art. 54; required to submit. */
  readonly declaration?: boolean;
}

export type ApplicationPatch = Partial<ApplicationInput>;

export type DecisionKind = 'approve' | 'reject' | 'request-info';

export interface DecisionInput {
  readonly decision: DecisionKind;
  /** Reasons; required for reject and request-info. */
  readonly comment?: string;
  /** Approval only: the permit's terms; by default what was requested, for the duration requested. */
  readonly permit?: {
    readonly disclosureProfile?: string;
    readonly durationMonths?: number;
    /** A part of the request (minimisation, EHDS Art. 66); by default all of it. */
    readonly scope?: readonly RequestedDataset[];
  };
}

export interface ApplicationEvent {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly kind: string;
  readonly fromState: ApplicationState | null;
  readonly toState: ApplicationState | null;
  readonly comment: string | null;
  readonly details: Record<string, unknown>;
}

export interface ApplicationView {
  readonly id: string;
  readonly applicant: string;
  readonly project: string;
  readonly purpose: Purpose;
  readonly datasets: RequestedDataset[];
  /** Everyone on the team, the applicant included. */
  readonly team: string[];
  readonly justification: string;
  readonly durationMonths: number;
  readonly declaration: boolean;
  readonly state: ApplicationState;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly submittedAt: string | null;
  readonly reviewer: string | null;
  readonly decidedAt: string | null;
  readonly decidedBy: string | null;
  readonly permitId: string | null;
  /** Absent before the first submission. */
  readonly clock?: StatutoryClock;
}

export interface ApplicationDetail extends ApplicationView {
  readonly events: ApplicationEvent[];
}

export interface ListApplicationsQuery extends PageQuery {
  readonly state?: ApplicationState;
}

type Row = ApplicationsTable;

export class ApplicationService {
  readonly #ctx: AccessContext;

  constructor(ctx: AccessContext) {
    this.#ctx = ctx;
  }

  async create(principal: Principal, input: ApplicationInput): Promise<ApplicationDetail> {
    await this.#ctx.authorizer.enforce(principal, 'application.create', {
      type: 'collection',
      of: 'applications',
    });
    const fields = checkFields(input);
    const datasets = input.datasets ?? [];
    await checkRequested(this.#ctx.datasets, datasets);
    const team = await this.#checkTeam(principal.name, input.team ?? []);
    const id = newId('app');
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      {
        actor: principal.actor,
        action: 'application.create',
        target: `application:${id}`,
        details: { purpose: fields.purpose },
      },
      async (trx) => {
        await trx
          .insertInto('applications')
          .values({
            id,
            applicant: principal.name,
            project: fields.project,
            purpose: fields.purpose,
            requested: JSON.stringify(datasets),
            justification: fields.justification,
            duration_months: fields.durationMonths,
            declaration: input.declaration === true ? 1 : 0,
            state: 'draft',
            created_at: now,
            updated_at: now,
            submitted_at: null,
            paused_ms: 0,
            paused_since: null,
            extended_at: null,
            extension_reason: null,
            reviewer: null,
            decided_at: null,
            decided_by: null,
            permit_id: null,
          })
          .execute();
        await writeTeam(trx, id, team);
        await addEvent(trx, id, now, principal.actor, 'created', null, 'draft', null, {});
      },
    );
    return this.get(principal, id);
  }

  /** Edits a draft, or an application returned for information. */
  async update(principal: Principal, id: string, patch: ApplicationPatch): Promise<ApplicationDetail> {
    const { row, resource } = await this.#load(id);
    await this.#ctx.authorizer.enforce(principal, 'application.update', resource);
    await this.#precheck(principal, id, row.state, 'update', 'application.update');
    const fields = checkFields({
      project: patch.project ?? row.project,
      purpose: patch.purpose ?? row.purpose,
      justification: patch.justification ?? row.justification,
      durationMonths: patch.durationMonths ?? row.duration_months,
    });
    if (patch.datasets !== undefined) {
      await checkRequested(this.#ctx.datasets, patch.datasets);
    }
    const team = patch.team === undefined ? undefined : await this.#checkTeam(row.applicant, patch.team);
    const changed = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);
    await this.#step(
      principal,
      id,
      'update',
      'application.update',
      { changed },
      async (trx, current, now) => {
        await trx
          .updateTable('applications')
          .set({
            project: fields.project,
            purpose: fields.purpose,
            justification: fields.justification,
            duration_months: fields.durationMonths,
            ...(patch.datasets === undefined ? {} : { requested: JSON.stringify(patch.datasets) }),
            ...(patch.declaration === undefined ? {} : { declaration: patch.declaration ? 1 : 0 }),
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
        if (team !== undefined) {
          await trx.deleteFrom('application_members').where('application_id', '=', id).execute();
          await writeTeam(trx, id, team);
        }
        await addEvent(trx, id, now, principal.actor, 'updated', current, current, null, { changed });
      },
    );
    return this.get(principal, id);
  }

  /**
   * Submits a draft (the statutory clock starts) or resubmits after a request for information (the
   * clock restarts). The application must be complete.
   */
  async submit(principal: Principal, id: string, comment?: string): Promise<ApplicationDetail> {
    const { row, resource } = await this.#load(id);
    await this.#ctx.authorizer.enforce(principal, 'application.submit', resource);
    const step: ApplicationStep = row.state === 'information_requested' ? 'resubmit' : 'submit';
    await this.#precheck(principal, id, row.state, step, 'application.submit');
    const requested = JSON.parse(row.requested) as RequestedDataset[];
    const missing: string[] = [];
    if (requested.length === 0) {
      missing.push('datasets');
    }
    if (row.justification.trim() === '') {
      missing.push('justification');
    }
    if (row.declaration !== 1) {
      missing.push('declaration (no use prohibited by EHDS Art. 54)');
    }
    if (missing.length > 0) {
      throw AccessErrors.APPLICATION_INVALID(`application ${id} is incomplete: ${missing.join(', ')}`);
    }
    await checkRequested(this.#ctx.datasets, requested);
    await this.#step(
      principal,
      id,
      step,
      'application.submit',
      {},
      async (trx, current, now, next, fresh) => {
        const clock =
          step === 'submit'
            ? { submitted_at: now }
            : {
                paused_ms: fresh.paused_ms + Date.parse(now) - Date.parse(fresh.paused_since ?? now),
                paused_since: null,
              };
        await trx
          .updateTable('applications')
          .set({ state: next, updated_at: now, ...clock })
          .where('id', '=', id)
          .execute();
        await addEvent(
          trx,
          id,
          now,
          principal.actor,
          step === 'submit' ? 'submitted' : 'resubmitted',
          current,
          next,
          comment ?? null,
          {},
        );
      },
    );
    return this.get(principal, id);
  }

  /** A reviewer takes a submitted (or resubmitted) application under review. */
  async review(principal: Principal, id: string): Promise<ApplicationDetail> {
    const { resource } = await this.#load(id);
    await this.#ctx.authorizer.enforce(principal, 'application.review', resource);
    await this.#step(principal, id, 'review', 'application.review', {}, async (trx, current, now, next) => {
      await trx
        .updateTable('applications')
        .set({ state: next, reviewer: principal.name, updated_at: now })
        .where('id', '=', id)
        .execute();
      await addEvent(trx, id, now, principal.actor, 'review-started', current, next, null, {});
    });
    return this.get(principal, id);
  }

  /** Approve (issuing the permit in the same transaction), reject, or request information. */
  async decide(principal: Principal, id: string, input: DecisionInput): Promise<ApplicationDetail> {
    const { row, resource } = await this.#load(id);
    await this.#ctx.authorizer.enforce(principal, 'application.decide', resource);
    const comment = input.comment?.trim() ?? '';
    if (input.decision !== 'approve' && comment === '') {
      throw CoreErrors.INPUT_INVALID(`a ${input.decision} decision needs a comment giving the reasons`);
    }
    if (input.decision !== 'approve' && input.permit !== undefined) {
      throw CoreErrors.INPUT_INVALID(`permit terms apply only to an approval, not to ${input.decision}`);
    }
    const step: ApplicationStep = input.decision;
    // Checked here so that approving twice says so before the permit terms are looked at; checked
    // again in the transaction, where it counts.
    await this.#precheck(principal, id, row.state, step, 'application.decide');
    const permitTerms = input.decision === 'approve' ? await this.#permitTerms(row, input) : undefined;
    await this.#step(
      principal,
      id,
      step,
      'application.decide',
      { decision: input.decision },
      async (trx, current, now, next) => {
        let permitId: string | null = null;
        if (permitTerms !== undefined) {
          const persons = await trx
            .selectFrom('application_members')
            .select('user_name')
            .where('application_id', '=', id)
            .execute();
          const startsAt = new Date(now);
          permitId = await insertPermit(
            trx,
            {
              applicationId: id,
              purpose: row.purpose,
              scope: permitTerms.scope,
              persons: persons.map((p) => p.user_name),
              disclosureProfile: permitTerms.disclosureProfile,
              startsAt: now,
              endsAt: addMonths(startsAt, permitTerms.durationMonths).toISOString(),
              issuedBy: principal.actor,
            },
            now,
          );
        }
        const closing = next === 'approved' || next === 'rejected';
        await trx
          .updateTable('applications')
          .set({
            state: next,
            updated_at: now,
            ...(closing
              ? { decided_at: now, decided_by: principal.actor, permit_id: permitId }
              : { paused_since: now }),
          })
          .where('id', '=', id)
          .execute();
        const kind = { approve: 'approved', reject: 'rejected', 'request-info': 'information-requested' }[
          input.decision
        ];
        await addEvent(
          trx,
          id,
          now,
          principal.actor,
          kind,
          current,
          next,
          comment === '' ? null : comment,
          permitId === null ? {} : { permitId },
        );
        return permitId;
      },
    );
    return this.get(principal, id);
  }

  /** Extends the decision period once by 3 months (EHDS Art. 68(4)), with the reason recorded. */
  async extend(principal: Principal, id: string, reason: string): Promise<ApplicationDetail> {
    const { resource } = await this.#load(id);
    await this.#ctx.authorizer.enforce(principal, 'application.extend', resource);
    if (reason.trim() === '') {
      throw CoreErrors.INPUT_INVALID('an extension needs a reason (EHDS Art. 68(4))');
    }
    await this.#step(
      principal,
      id,
      'extend',
      'application.extend',
      { reason },
      async (trx, current, now, _next, fresh) => {
        if (fresh.extended_at !== null) {
          throw AccessErrors.APPLICATION_ALREADY_EXTENDED(
            `application ${id} was already extended on ${fresh.extended_at}`,
          );
        }
        await trx
          .updateTable('applications')
          .set({ extended_at: now, extension_reason: reason, updated_at: now })
          .where('id', '=', id)
          .execute();
        await addEvent(trx, id, now, principal.actor, 'extended', current, current, reason, {});
      },
    );
    return this.get(principal, id);
  }

  async comment(principal: Principal, id: string, text: string): Promise<ApplicationDetail> {
    const { resource } = await this.#load(id);
    await this.#ctx.authorizer.enforce(principal, 'application.comment', resource);
    if (text.trim() === '' || text.length > MAX_TEXT) {
      throw CoreErrors.INPUT_INVALID(`a comment must have 1–${MAX_TEXT} characters`);
    }
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      { actor: principal.actor, action: 'application.comment', target: `application:${id}` },
      async (trx) => {
        await addEvent(trx, id, now, principal.actor, 'comment', null, null, text, {});
      },
    );
    return this.get(principal, id);
  }

  async get(principal: Principal, id: string): Promise<ApplicationDetail> {
    const { row, resource } = await this.#load(id);
    await this.#ctx.authorizer.enforce(principal, 'application.read', resource);
    const events = await this.#ctx.hub.db
      .selectFrom('application_events')
      .selectAll()
      .where('application_id', '=', id)
      .orderBy('seq')
      .execute();
    return {
      ...this.#view(row, [...resource.members]),
      events: events.map((e) => ({
        id: e.id,
        at: e.at,
        actor: e.actor,
        kind: e.kind,
        fromState: e.from_state as ApplicationState | null,
        toState: e.to_state as ApplicationState | null,
        comment: e.comment,
        details: JSON.parse(e.details) as Record<string, unknown>,
      })),
    };
  }

  /** Newest first; researchers see the applications whose team they are on. */
  async list(principal: Principal, query: ListApplicationsQuery = {}): Promise<Page<ApplicationView>> {
    const decision = await this.#ctx.authorizer.enforce(principal, 'application.read', {
      type: 'collection',
      of: 'applications',
    });
    const limit = pageLimit(query);
    const before = decodeCursor(query.cursor);
    let q = this.#ctx.hub.db
      .selectFrom('applications')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (before !== undefined) {
      q = q.where('id', '<', before);
    }
    if (query.state !== undefined) {
      q = q.where('state', '=', query.state);
    }
    if (decision.filter === 'own') {
      q = q.where('id', 'in', (eb) =>
        eb.selectFrom('application_members').select('application_id').where('user_name', '=', principal.name),
      );
    }
    const rows = await q.execute();
    const teams = await this.#teams(rows.map((r) => r.id));
    return toPage(
      rows,
      limit,
      (r) => r.id,
      (r) => this.#view(r, teams.get(r.id) ?? []),
    );
  }

  /** Refuses a step the current state does not allow, recording the refused attempt. */
  async #precheck(
    principal: Principal,
    id: string,
    state: string,
    step: ApplicationStep,
    action: string,
  ): Promise<void> {
    try {
      nextState(id, state as ApplicationState, step);
    } catch (err) {
      await this.#ctx.audit.record({
        actor: principal.actor,
        action,
        target: `application:${id}`,
        outcome: 'failure',
        details: { step, error: (err as { code?: string }).code, message: (err as Error).message },
      });
      throw err;
    }
  }

  async #permitTerms(row: Row, input: DecisionInput) {
    const profiles = this.#ctx.config.permits.disclosureProfiles;
    const disclosureProfile =
      input.permit?.disclosureProfile ?? this.#ctx.config.permits.defaultDisclosureProfile;
    if (!profiles.includes(disclosureProfile)) {
      throw AccessErrors.APPLICATION_INVALID(
        `disclosure-control profile "${disclosureProfile}" is not one of ${profiles.join(', ')}`,
      );
    }
    const durationMonths = input.permit?.durationMonths ?? row.duration_months;
    if (!Number.isInteger(durationMonths) || durationMonths < 1 || durationMonths > row.duration_months) {
      throw AccessErrors.APPLICATION_INVALID(
        `permit duration ${durationMonths} months must be from 1 to the ${row.duration_months} months requested`,
      );
    }
    const scope = await pinScope(
      this.#ctx.datasets,
      JSON.parse(row.requested) as RequestedDataset[],
      input.permit?.scope,
    );
    return { disclosureProfile, durationMonths, scope };
  }

  /**
   * Runs one step: in a transaction with its audit entry, re-reads the application, checks the state
   * machine against the state found *there* (another reviewer may have acted since), then applies it.
   */
  async #step<T>(
    principal: Principal,
    id: string,
    step: ApplicationStep,
    action: string,
    details: Record<string, unknown>,
    apply: (
      trx: Kysely<Database>,
      current: ApplicationState,
      nowIso: string,
      next: ApplicationState,
      fresh: Row,
    ) => Promise<T>,
  ): Promise<T> {
    const now = this.#ctx.now().toISOString();
    return this.#ctx.audit.withEntry(
      { actor: principal.actor, action, target: `application:${id}`, details: { step, ...details } },
      async (trx) => {
        const fresh = await trx
          .selectFrom('applications')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        const current = fresh.state as ApplicationState;
        const next = nextState(id, current, step);
        return apply(trx, current, now, next, fresh);
      },
      (result) => (typeof result === 'string' ? { permitId: result } : {}),
    );
  }

  async #load(id: string): Promise<{ row: Row; resource: Extract<Resource, { type: 'application' }> }> {
    const row = await this.#ctx.hub.db
      .selectFrom('applications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) {
      throw AccessErrors.APPLICATION_NOT_FOUND(`no application ${id}`);
    }
    const members = (await this.#teams([id])).get(id) ?? [];
    return { row, resource: { type: 'application', id, applicant: row.applicant, members } };
  }

  async #teams(ids: readonly string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (ids.length === 0) {
      return map;
    }
    const rows = await this.#ctx.hub.db
      .selectFrom('application_members')
      .select(['application_id', 'user_name'])
      .where('application_id', 'in', ids)
      .orderBy('user_name')
      .execute();
    for (const r of rows) {
      map.set(r.application_id, [...(map.get(r.application_id) ?? []), r.user_name]);
    }
    return map;
  }

  /** Team members must be enabled researchers; the applicant is always on the team. */
  async #checkTeam(applicant: string, names: readonly string[]): Promise<string[]> {
    const team = [...new Set([applicant, ...names])];
    if (team.length > MAX_TEAM) {
      throw AccessErrors.APPLICATION_INVALID(`a team has at most ${MAX_TEAM} members`);
    }
    const rows = await this.#ctx.hub.db
      .selectFrom('users')
      .select(['name', 'role', 'disabled_at'])
      .where('name', 'in', team)
      .execute();
    for (const name of team) {
      const user = rows.find((r) => r.name === name);
      if (user === undefined) {
        throw AccessErrors.APPLICATION_INVALID(`team member ${name} has no account`);
      }
      if (user.disabled_at !== null) {
        throw AccessErrors.APPLICATION_INVALID(`team member ${name} is disabled`);
      }
      if (user.role !== 'researcher') {
        throw AccessErrors.APPLICATION_INVALID(
          `team member ${name} is a ${user.role}; only researchers can be named in a permit`,
        );
      }
    }
    return team;
  }

  #view(row: Row, team: string[]): ApplicationView {
    const clock = statutoryClock(
      {
        submittedAt: row.submitted_at,
        pausedMs: row.paused_ms,
        pausedSince: row.paused_since,
        extendedAt: row.extended_at,
        decidedAt: row.decided_at,
      },
      this.#ctx.now(),
    );
    const view: ApplicationView = {
      id: row.id,
      applicant: row.applicant,
      project: row.project,
      purpose: purposeOf(row.purpose)!,
      datasets: JSON.parse(row.requested) as RequestedDataset[],
      team,
      justification: row.justification,
      durationMonths: row.duration_months,
      declaration: row.declaration === 1,
      state: row.state as ApplicationState,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      submittedAt: row.submitted_at,
      reviewer: row.reviewer,
      decidedAt: row.decided_at,
      decidedBy: row.decided_by,
      permitId: row.permit_id,
    };
    return clock === undefined ? view : { ...view, clock };
  }
}

function checkFields(input: {
  project: string;
  purpose: string;
  justification?: string;
  durationMonths?: number;
}) {
  const project = input.project.trim();
  if (project === '' || project.length > 500) {
    throw AccessErrors.APPLICATION_INVALID('project must have 1–500 characters');
  }
  if (purposeOf(input.purpose) === undefined) {
    throw AccessErrors.APPLICATION_INVALID(
      `purpose "${input.purpose}" is not one of ${PURPOSE_CODES.join(', ')} (EHDS Art. 53(1))`,
    );
  }
  const justification = input.justification ?? '';
  if (justification.length > MAX_TEXT) {
    throw AccessErrors.APPLICATION_INVALID(`justification is longer than ${MAX_TEXT} characters`);
  }
  const durationMonths = input.durationMonths ?? 12;
  if (!Number.isInteger(durationMonths) || durationMonths < 1 || durationMonths > MAX_DURATION_MONTHS) {
    throw AccessErrors.APPLICATION_INVALID(
      `durationMonths ${durationMonths} must be from 1 to ${MAX_DURATION_MONTHS} (EHDS Art. 68(12): at most 10 years)`,
    );
  }
  return { project, purpose: input.purpose, justification, durationMonths };
}

async function writeTeam(trx: Kysely<Database>, id: string, team: readonly string[]): Promise<void> {
  for (const name of team) {
    await trx.insertInto('application_members').values({ application_id: id, user_name: name }).execute();
  }
}

async function addEvent(
  trx: Kysely<Database>,
  applicationId: string,
  at: string,
  actor: string,
  kind: string,
  from: ApplicationState | null,
  to: ApplicationState | null,
  comment: string | null,
  details: Record<string, unknown>,
): Promise<void> {
  const last = await trx
    .selectFrom('application_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('application_id', '=', applicationId)
    .executeTakeFirst();
  await trx
    .insertInto('application_events')
    .values({
      id: newId('evt'),
      application_id: applicationId,
      seq: (last?.seq ?? 0) + 1,
      at,
      actor,
      kind,
      from_state: from,
      to_state: to,
      comment,
      details: JSON.stringify(details),
    })
    .execute();
}
