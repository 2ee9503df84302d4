/**
 * TOTP second factor: enrolment (a secret and its otpauth URI, shown once), verification of the
 * first code (which turns it on), and the check at login. Secrets are sealed at rest, bound to the
 * user's id; the last accepted step is kept so a code is never accepted twice.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { AccessContext } from './context.js';
import { AccessErrors } from './errors.js';
import type { Principal } from './principal.js';
import { openSecret, sealSecret } from './secrets.js';
import { base32Encode, newTotpSecret, otpauthUri, verifyTotp } from './totp.js';

export interface MfaEnrolment {
  /** Base32 secret, for typing into an authenticator app. Shown once. */
  readonly secret: string;
  /** `otpauth://totp/…` for a QR code. Shown once. */
  readonly otpauthUri: string;
}

export class MfaService {
  readonly #ctx: AccessContext;

  constructor(ctx: AccessContext) {
    this.#ctx = ctx;
  }

  /** Starts (or restarts) enrolment; the factor is off until {@link verify} accepts a code. */
  async enrol(principal: Principal): Promise<MfaEnrolment> {
    await this.#ctx.authorizer.enforce(principal, 'self.mfa', { type: 'user', name: principal.name });
    const secret = newTotpSecret();
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      { actor: principal.actor, action: 'auth.mfa-enrol', target: `user:${principal.name}` },
      async (trx) => {
        const existing = await trx
          .selectFrom('user_mfa')
          .select('enabled')
          .where('user_id', '=', principal.id)
          .executeTakeFirst();
        if (existing?.enabled === 1) {
          throw AccessErrors.AUTH_MFA_STATE(
            `${principal.name} already has a second factor; an operator must reset it before a new enrolment`,
          );
        }
        await trx.deleteFrom('user_mfa').where('user_id', '=', principal.id).execute();
        await trx
          .insertInto('user_mfa')
          .values({
            user_id: principal.id,
            secret_sealed: sealSecret(this.#ctx.keys.sealKey, secret, principal.id),
            enabled: 0,
            last_step: null,
            created_at: now,
            enabled_at: null,
          })
          .execute();
      },
    );
    return {
      secret: base32Encode(secret),
      otpauthUri: otpauthUri(secret, principal.name, this.#ctx.config.mfa.issuerLabel),
    };
  }

  /** Turns the factor on with a first valid code; the current session then counts as MFA-verified. */
  async verify(principal: Principal, code: string): Promise<void> {
    await this.#ctx.authorizer.enforce(principal, 'self.mfa', { type: 'user', name: principal.name });
    const row = await this.#ctx.hub.db
      .selectFrom('user_mfa')
      .selectAll()
      .where('user_id', '=', principal.id)
      .executeTakeFirst();
    if (row === undefined || row.enabled === 1) {
      throw AccessErrors.AUTH_MFA_STATE(
        row === undefined
          ? `${principal.name} has no enrolment to verify; enrol first`
          : `${principal.name}'s second factor is already on`,
      );
    }
    const step = this.#check(principal.id, row.secret_sealed, code, row.last_step);
    if (step === undefined) {
      await this.#ctx.audit.record({
        actor: principal.actor,
        action: 'auth.mfa-verify',
        target: `user:${principal.name}`,
        outcome: 'failure',
        details: { reason: 'wrong code' },
      });
      throw AccessErrors.AUTH_MFA_INVALID(
        'the code does not match the enrolled secret; check the device clock',
      );
    }
    const now = this.#ctx.now().toISOString();
    await this.#ctx.audit.withEntry(
      { actor: principal.actor, action: 'auth.mfa-verify', target: `user:${principal.name}` },
      async (trx) => {
        await trx
          .updateTable('user_mfa')
          .set({ enabled: 1, enabled_at: now, last_step: step })
          .where('user_id', '=', principal.id)
          .execute();
        if (principal.sessionId !== undefined) {
          await trx
            .updateTable('auth_sessions')
            .set({ mfa: 1 })
            .where('id', '=', principal.sessionId)
            .execute();
        }
      },
    );
  }

  /** Whether a user has a second factor turned on. */
  async enabled(db: Kysely<Database>, userId: string): Promise<boolean> {
    const row = await db
      .selectFrom('user_mfa')
      .select('enabled')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.enabled === 1;
  }

  /**
   * Checks a login code inside the caller's transaction and records its step; returns false for a
   * wrong or replayed code.
   */
  async acceptLoginCode(trx: Kysely<Database>, userId: string, code: string): Promise<boolean> {
    const row = await trx.selectFrom('user_mfa').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (row === undefined || row.enabled !== 1) {
      return false;
    }
    const step = this.#check(userId, row.secret_sealed, code, row.last_step);
    if (step === undefined) {
      return false;
    }
    // The step only moves forward: a concurrent login with the same code finds no row to update.
    const updated = await trx
      .updateTable('user_mfa')
      .set({ last_step: step })
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  #check(userId: string, sealed: string, code: string, lastStep: number | null): number | undefined {
    const secret = openSecret(this.#ctx.keys.sealKey, sealed, userId);
    return verifyTotp(secret, code, this.#ctx.now().getTime(), lastStep);
  }
}
