/**
 * Who is acting. Every service function takes a principal and hands it to the one authorisation
 * function, whether the call came from the REST API or the CLI.
 * @module
 */
import type { Role } from './roles.js';

/** A person with an account, a machine with an API token, or the local operator at the CLI. */
export type PrincipalKind = 'user' | 'service' | 'cli';

export interface Principal {
  readonly kind: PrincipalKind;
  /** User id, service account id, or `cli:<os user>`. */
  readonly id: string;
  /** The name permits and applications refer to (user name, service account name, OS user). */
  readonly name: string;
  readonly role: Role;
  /** How the audit log names this principal: `alice`, `service:ingest-bot`, `cli:root`, `cli:root as bob`. */
  readonly actor: string;
  /** The session proved a second factor. */
  readonly mfa: boolean;
  /** The role requires a second factor and none is enrolled yet: only enrolment is allowed. */
  readonly mfaEnrolmentRequired: boolean;
  /** The sign-in session behind an access token. */
  readonly sessionId?: string;
}

/**
 * The principal of someone running `hdh` on the hub machine: they can already read the database and
 * configuration, so the CLI acts as a local operator, named after the OS account in the audit log.
 */
export function cliPrincipal(osUser: string): Principal {
  const name = osUser.trim() === '' ? 'unknown' : osUser.trim();
  return {
    kind: 'cli',
    id: `cli:${name}`,
    name,
    role: 'operator',
    actor: `cli:${name}`,
    mfa: false,
    mfaEnrolmentRequired: false,
  };
}
