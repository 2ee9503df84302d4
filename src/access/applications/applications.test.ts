import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isHdhError } from '../../core/index.js';
import { testDialects, type TestDb } from '../../db/testing.js';
import type { Principal } from '../principal.js';
import { codeFor, setupAccess, userWithSession, type TestHub } from '../testing.js';
import type { ApplicationInput } from './application-service.js';

const dialects = await testDialects();
const code = (e: unknown) => (isHdhError(e) ? e.code : String(e));
const DAY = 86_400_000;

const DRAFT: ApplicationInput = {
  project: 'Readmissions after heart failure',
  purpose: 'scientific-research',
  datasets: [
    {
      dataset: 'cohort',
      tables: [
        { name: 'patients', columns: ['patient_id', 'birth_year'] },
        { name: 'stays', columns: ['stay_id', 'patient_id', 'diagnosis'] },
      ],
    },
  ],
  team: ['rob'],
  justification: 'Estimate 30-day readmission rates by age band.',
  durationMonths: 24,
  declaration: true,
};

describe.each(dialects)('$name: applications and permits', (dialect) => {
  let hub: TestDb;
  let t: TestHub;
  let ann: Principal; // applicant (researcher)
  let rob: Principal; // team member
  let zoe: Principal; // researcher not on the team
  let rev: Principal; // reviewer
  const opened: TestDb[] = [];

  beforeEach(async () => {
    hub = await dialect.open();
    opened.push(hub);
    t = await setupAccess(hub);
    ann = (await userWithSession(t, 'ann', 'researcher')).principal;
    rob = (await userWithSession(t, 'rob', 'researcher')).principal;
    zoe = (await userWithSession(t, 'zoe', 'researcher')).principal;
    rev = (await userWithSession(t, 'rev', 'reviewer')).principal;
  });
  afterAll(async () => {
    for (const h of opened) {
      await h.close();
    }
  });

  /** A researcher's principal as after a TOTP login (data reads need a second factor). */
  async function withMfa(p: Principal): Promise<Principal> {
    const enrolment = await t.access.mfa.enrol(p);
    await t.access.mfa.verify(p, codeFor(t, enrolment.secret));
    return { ...p, mfa: true };
  }

  async function approved(): Promise<{ appId: string; permitId: string }> {
    const draft = await t.access.applications.create(ann, DRAFT);
    await t.access.applications.submit(ann, draft.id);
    await t.access.applications.review(rev, draft.id);
    const done = await t.access.applications.decide(rev, draft.id, {
      decision: 'approve',
      comment: 'sound protocol',
    });
    return { appId: draft.id, permitId: done.permitId! };
  }

  it('walks draft → submitted → under review → information requested → resubmitted → approved, issuing a permit', async () => {
    const draft = await t.access.applications.create(ann, DRAFT);
    expect(draft).toMatchObject({
      state: 'draft',
      applicant: 'ann',
      team: ['ann', 'rob'],
      purpose: { code: 'scientific-research', article: 'Art. 53(1)(e)' },
    });
    expect(draft.clock).toBeUndefined();
    const edited = await t.access.applications.update(ann, draft.id, { project: 'Readmissions (v2)' });
    expect(edited.project).toBe('Readmissions (v2)');

    const submitted = await t.access.applications.submit(ann, draft.id);
    expect(submitted.state).toBe('submitted');
    expect(submitted.clock).toMatchObject({ dueAt: '2026-06-02T09:00:00.000Z', remainingDays: 92 });
    await t.access.applications.review(rev, draft.id);
    t.clock.advance(10 * DAY);
    const asked = await t.access.applications.decide(rev, draft.id, {
      decision: 'request-info',
      comment: 'Which ICD-10 codes?',
    });
    expect(asked.state).toBe('information_requested');
    expect(asked.clock).toMatchObject({ stopped: true, remainingDays: 82 });
    t.clock.advance(7 * DAY);
    expect((await t.access.applications.get(ann, draft.id)).clock?.remainingDays).toBe(82);
    await t.access.applications.update(ann, draft.id, { justification: 'I50.* as principal diagnosis.' });
    const resubmitted = await t.access.applications.submit(ann, draft.id, 'codes added');
    expect(resubmitted.state).toBe('resubmitted');
    expect(resubmitted.clock).toMatchObject({
      stopped: false,
      stoppedDays: 7,
      remainingDays: 82,
      dueAt: '2026-06-09T09:00:00.000Z',
    });
    await t.access.applications.review(rev, draft.id);
    const done = await t.access.applications.decide(rev, draft.id, {
      decision: 'approve',
      comment: 'approved with the opensafely profile',
      permit: { disclosureProfile: 'opensafely', durationMonths: 12 },
    });
    expect(done).toMatchObject({ state: 'approved', decidedBy: 'rev' });
    expect(done.events.map((e) => e.kind)).toEqual([
      'created',
      'updated',
      'submitted',
      'review-started',
      'information-requested',
      'updated',
      'resubmitted',
      'review-started',
      'approved',
    ]);
    const permit = await t.access.permits.get(rob, done.permitId!);
    expect(permit).toMatchObject({
      status: 'active',
      persons: ['ann', 'rob'],
      disclosureProfile: 'opensafely',
      startsAt: '2026-03-19T09:00:00.000Z',
      endsAt: '2027-03-19T09:00:00.000Z',
      scope: [{ dataset: 'cohort', version: '2025-06', tables: DRAFT.datasets![0]!.tables }],
    });
    const audit = await hub.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'like', 'application.%')
      .execute();
    expect(audit.map((a) => a.action)).toContain('application.decide');
  });

  it('refuses invalid transitions with the current state named, and writes nothing', async () => {
    const draft = await t.access.applications.create(ann, DRAFT);
    const err = await t.access.applications
      .decide(rev, draft.id, { decision: 'approve' })
      .catch((e: unknown) => e);
    expect(code(err)).toBe('APPLICATION_INVALID_TRANSITION');
    expect((err as Error).message).toContain('it is draft');
    const { appId } = await approved();
    const twice = await t.access.applications
      .decide(rev, appId, { decision: 'approve' })
      .catch((e: unknown) => e);
    expect(code(twice)).toBe('APPLICATION_INVALID_TRANSITION');
    expect((twice as Error).message).toContain('it is approved');
    await expect(t.access.applications.update(ann, appId, { project: 'late edit' })).rejects.toSatisfy(
      (e) => code(e) === 'APPLICATION_INVALID_TRANSITION',
    );
    await expect(t.access.applications.submit(ann, appId)).rejects.toSatisfy(
      (e) => code(e) === 'APPLICATION_INVALID_TRANSITION',
    );
    expect(await hub.db.selectFrom('permits').select('id').execute()).toHaveLength(1);
    const failed = await hub.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('outcome', '=', 'failure')
      .execute();
    expect(failed).toEqual([
      { actor: 'rev', action: 'application.decide' },
      { actor: 'rev', action: 'application.decide' },
      { actor: 'ann', action: 'application.update' },
      { actor: 'ann', action: 'application.submit' },
    ]);
  });

  it('leaves nothing half-written when an approval fails', async () => {
    const draft = await t.access.applications.create(ann, DRAFT);
    await t.access.applications.submit(ann, draft.id);
    await t.access.applications.review(rev, draft.id);
    await expect(
      t.access.applications.decide(rev, draft.id, {
        decision: 'approve',
        permit: { disclosureProfile: 'no-such-profile' },
      }),
    ).rejects.toSatisfy((e) => code(e) === 'APPLICATION_INVALID');
    await expect(
      t.access.applications.decide(rev, draft.id, {
        decision: 'approve',
        permit: { scope: [{ dataset: 'cohort', tables: [{ name: 'patients', columns: ['commune'] }] }] },
      }),
    ).rejects.toThrow(/patients.commune were not requested/);
    await expect(
      t.access.applications.decide(rev, draft.id, { decision: 'approve', permit: { durationMonths: 25 } }),
    ).rejects.toThrow(/from 1 to the 24 months requested/);
    expect(await hub.db.selectFrom('permits').select('id').execute()).toEqual([]);
    expect((await t.access.applications.get(rev, draft.id)).state).toBe('under_review');
  });

  it('grants a narrowed scope (minimisation) and pins the version asked for', async () => {
    const draft = await t.access.applications.create(ann, {
      ...DRAFT,
      datasets: [
        { dataset: 'cohort', version: '2025-01', tables: DRAFT.datasets![0]!.tables },
        { dataset: 'registry', tables: [{ name: 'cases', columns: ['code'] }] },
      ],
    });
    await t.access.applications.submit(ann, draft.id);
    await t.access.applications.review(rev, draft.id);
    const done = await t.access.applications.decide(rev, draft.id, {
      decision: 'approve',
      permit: { scope: [{ dataset: 'cohort', tables: [{ name: 'patients', columns: ['birth_year'] }] }] },
    });
    const permit = await t.access.permits.get(ann, done.permitId!);
    expect(permit.scope).toEqual([
      { dataset: 'cohort', version: '2025-01', tables: [{ name: 'patients', columns: ['birth_year'] }] },
    ]);
  });

  it('validates what is requested against the dataset directory, the purpose, the team and the duration', async () => {
    const bad = async (patch: Partial<ApplicationInput>) =>
      t.access.applications.create(ann, { ...DRAFT, ...patch }).then(
        () => 'created',
        (e: unknown) => (e as Error).message,
      );
    expect(await bad({ datasets: [{ dataset: 'nope', tables: [] }] })).toContain(
      'dataset nope does not exist',
    );
    expect(await bad({ datasets: [{ dataset: 'cohort', version: '1999', tables: [] }] })).toContain(
      'has no version 1999',
    );
    expect(
      await bad({ datasets: [{ dataset: 'cohort', tables: [{ name: 'visits', columns: ['x'] }] }] }),
    ).toContain('has no table visits');
    expect(
      await bad({ datasets: [{ dataset: 'cohort', tables: [{ name: 'stays', columns: ['salary'] }] }] }),
    ).toContain('has no column salary');
    expect(await bad({ purpose: 'marketing' })).toContain('purpose "marketing" is not one of');
    expect(await bad({ team: ['ghost'] })).toContain('team member ghost has no account');
    expect(await bad({ team: ['rev'] })).toContain('only researchers can be named in a permit');
    expect(await bad({ durationMonths: 121 })).toContain('at most 10 years');
    const incomplete = await t.access.applications.create(ann, { project: 'p', purpose: 'education' });
    await expect(t.access.applications.submit(ann, incomplete.id)).rejects.toThrow(
      /incomplete: datasets, justification, declaration/,
    );
    expect(await hub.db.selectFrom('applications').select('id').execute()).toHaveLength(1);
  });

  it('extends the decision period once, with a reason', async () => {
    const draft = await t.access.applications.create(ann, DRAFT);
    await expect(t.access.applications.extend(rev, draft.id, 'complex')).rejects.toSatisfy(
      (e) => code(e) === 'APPLICATION_INVALID_TRANSITION',
    );
    await t.access.applications.submit(ann, draft.id);
    const extended = await t.access.applications.extend(
      rev,
      draft.id,
      'linkage across two registries needs an expert opinion',
    );
    expect(extended.clock).toMatchObject({ extended: true, dueAt: '2026-09-02T09:00:00.000Z' });
    await expect(t.access.applications.extend(rev, draft.id, 'again')).rejects.toSatisfy(
      (e) => code(e) === 'APPLICATION_ALREADY_EXTENDED',
    );
    await expect(t.access.applications.extend(rev, draft.id, '  ')).rejects.toSatisfy(
      (e) => code(e) === 'INPUT_INVALID',
    );
  });

  it('shows researchers only their teams’ applications and permits; others are denied', async () => {
    const { appId, permitId } = await approved();
    await t.access.applications.create(zoe, { project: 'zoe’s own', purpose: 'education' });
    expect((await t.access.applications.list(rob)).items.map((a) => a.id)).toEqual([appId]);
    expect((await t.access.applications.list(rev)).items).toHaveLength(2);
    expect((await t.access.permits.list(zoe)).items).toEqual([]);
    expect((await t.access.permits.list(rob)).items.map((p) => p.id)).toEqual([permitId]);
    await expect(t.access.applications.get(zoe, appId)).rejects.toSatisfy((e) => code(e) === 'ACCESS_DENIED');
    await expect(t.access.permits.get(zoe, permitId)).rejects.toSatisfy((e) => code(e) === 'ACCESS_DENIED');
    await expect(t.access.applications.update(rob, appId, { project: 'x' })).rejects.toThrow(
      /only the applicant \(ann\)/,
    );
  });

  it('pages lists with a cursor', async () => {
    for (let i = 0; i < 5; i++) {
      await t.access.applications.create(ann, { project: `p${i}`, purpose: 'education' });
    }
    const first = await t.access.applications.list(ann, { limit: 2 });
    const second = await t.access.applications.list(ann, { limit: 2, cursor: first.nextCursor! });
    const third = await t.access.applications.list(ann, { limit: 2, cursor: second.nextCursor! });
    expect(third.nextCursor).toBeUndefined();
    const ids = [...first.items, ...second.items, ...third.items].map((a) => a.id);
    expect(new Set(ids).size).toBe(5);
    expect(ids).toEqual([...ids].sort().reverse());
    await expect(t.access.applications.list(ann, { cursor: 'garbage!' })).rejects.toSatisfy(
      (e) => code(e) === 'INPUT_INVALID',
    );
    await expect(t.access.applications.list(ann, { limit: 0 })).rejects.toSatisfy(
      (e) => code(e) === 'INPUT_INVALID',
    );
  });

  it('authorises data reads only under an active permit covering the dataset, version, table and columns', async () => {
    const { permitId } = await approved();
    const annMfa = await withMfa(ann);
    const read = (p: Principal, r: { name: string; version?: string; table?: string; columns?: string[] }) =>
      t.access.authorize(p, 'dataset.read-data', { type: 'dataset', ...r });
    expect(
      await read(annMfa, { name: 'cohort', version: '2025-06', table: 'stays', columns: ['diagnosis'] }),
    ).toMatchObject({
      allowed: true,
      permit: { id: permitId, scope: { dataset: 'cohort', version: '2025-06' } },
    });
    expect(
      (await read(annMfa, { name: 'cohort', table: 'patients', columns: ['commune'] })).reason,
    ).toContain('patients.commune not in the permit');
    expect((await read(annMfa, { name: 'cohort', version: '2025-01' })).reason).toContain('not 2025-01');
    expect((await read(annMfa, { name: 'registry' })).reason).toContain('covers dataset registry');
    expect((await read(ann, { name: 'cohort' })).reason).toContain('second factor');
    expect((await read(await withMfa(zoe), { name: 'cohort' })).reason).toContain(
      'no active permit names zoe',
    );
    expect((await read({ ...rev, mfa: true }, { name: 'cohort' })).reason).toContain(
      'role reviewer may not dataset.read-data',
    );
    expect((await read({ ...annMfa, kind: 'service' }, { name: 'cohort' })).reason).toContain(
      'a service principal may not',
    );

    // Suspension and revocation take effect at the next check; so does expiry, without any job.
    await t.access.permits.suspend(rev, permitId, 'incident under investigation');
    expect((await read(annMfa, { name: 'cohort' })).allowed).toBe(false);
    await expect(t.access.permits.reinstate(t.operator, permitId, 'cleared')).rejects.toSatisfy(
      (e) => code(e) === 'ACCESS_DENIED',
    );
    await t.access.permits.reinstate(rev, permitId, 'cleared');
    expect((await read(annMfa, { name: 'cohort' })).allowed).toBe(true);
    t.clock.advance(800 * DAY);
    expect((await read(annMfa, { name: 'cohort' })).allowed).toBe(false);
    expect((await t.access.permits.get(ann, permitId)).status).toBe('expired');
    expect((await t.access.permits.list(rev, { status: 'expired' })).items.map((p) => p.id)).toEqual([
      permitId,
    ]);
    await expect(t.access.permits.revoke(rev, permitId, 'late')).rejects.toSatisfy(
      (e) => code(e) === 'PERMIT_NOT_ACTIVE',
    );
  });

  it('revokes a permit at once, and refuses to act on it again', async () => {
    const { permitId } = await approved();
    const annMfa = await withMfa(ann);
    expect(
      (await t.access.authorize(annMfa, 'dataset.read-data', { type: 'dataset', name: 'cohort' })).allowed,
    ).toBe(true);
    const revoked = await t.access.permits.revoke(t.operator, permitId, 'breach of Art. 61(3)');
    expect(revoked).toMatchObject({
      status: 'revoked',
      statusChangedBy: 'cli:root',
      statusReason: 'breach of Art. 61(3)',
    });
    expect(
      (await t.access.authorize(annMfa, 'dataset.read-data', { type: 'dataset', name: 'cohort' })).allowed,
    ).toBe(false);
    const again = await t.access.permits.suspend(rev, permitId, 'x').catch((e: unknown) => e);
    expect(code(again)).toBe('PERMIT_NOT_ACTIVE');
    expect((again as Error).message).toContain('it is revoked');
    await expect(t.access.permits.revoke(ann, permitId, 'x')).rejects.toSatisfy(
      (e) => code(e) === 'ACCESS_DENIED',
    );
    await expect(t.access.permits.get(ann, 'pmt_missing')).rejects.toSatisfy(
      (e) => code(e) === 'PERMIT_NOT_FOUND',
    );
  });

  it('keeps reviewers independent of the applications they decide', async () => {
    const draft = await t.access.applications.create(ann, DRAFT);
    await t.access.applications.submit(ann, draft.id);
    await expect(t.access.applications.review(rob, draft.id)).rejects.toThrow(
      /role researcher may not application.review/,
    );
    await t.access.applications.comment(rob, draft.id, 'I can help with the codes');
    await t.access.applications.comment(rev, draft.id, 'noted');
    await expect(t.access.applications.comment(zoe, draft.id, 'me too')).rejects.toSatisfy(
      (e) => code(e) === 'ACCESS_DENIED',
    );
    const detail = await t.access.applications.get(t.operator, draft.id);
    expect(detail.events.filter((e) => e.kind === 'comment').map((e) => [e.actor, e.comment])).toEqual([
      ['rob', 'I can help with the codes'],
      ['rev', 'noted'],
    ]);
    expect((await t.audit.verify()).ok).toBe(true);
  });
});
