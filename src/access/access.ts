/**
 * Builds the access concept from the hub database, the audit log and a dataset directory.
 * @module
 */
import type { AuditLog } from '../audit/index.js';
import type { HubDb } from '../db/index.js';
import { ApplicationService } from './applications/application-service.js';
import { AuditTrail } from './audit-trail.js';
import { AuthService } from './auth.js';
import { Authorizer, type Decision, type Resource } from './authorize.js';
import { resolveAccessConfig, type AccessConfig } from './config.js';
import type { AccessContext } from './context.js';
import type { DatasetDirectory } from './datasets.js';
import { MfaService } from './mfa.js';
import { OidcService } from './oidc.js';
import { PermitService } from './permits/permit-service.js';
import type { Action } from './policy.js';
import type { Principal } from './principal.js';
import { deriveAccessKeys, loadAccessSecret } from './secrets.js';
import { ServiceAccountService } from './service-accounts.js';
import { VerifiedTokens } from './sessions.js';
import { UserService } from './users.js';

export interface AccessDeps {
  readonly hub: Pick<HubDb, 'db' | 'dialect'>;
  readonly audit: AuditLog;
  /** The catalogue, or any directory of datasets with their versions, tables and columns. */
  readonly datasets: DatasetDirectory;
  /** The `access:` settings; defaults fill what is left out. */
  readonly config?: unknown;
  /**
   * The root secret for token signing and sealing. Default: a random one kept in `hub_meta`. A hub may
   * pass one derived from its key provider, so the database alone cannot forge tokens.
   */
  readonly secret?: Uint8Array;
  /** Where OIDC client secrets are read (by the names in `clientSecretEnv`); the hub passes `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The clock (tests move it); default the system clock. */
  readonly now?: () => Date;
}

/** Every access service, sharing one context. All take the acting principal first. */
export interface Access {
  readonly config: AccessConfig;
  readonly authorizer: Authorizer;
  readonly auth: AuthService;
  readonly users: UserService;
  readonly mfa: MfaService;
  readonly serviceAccounts: ServiceAccountService;
  readonly oidc: OidcService;
  readonly applications: ApplicationService;
  readonly permits: PermitService;
  readonly auditTrail: AuditTrail;
  /** The one authorisation function (same as `authorizer.authorize`). */
  authorize(principal: Principal, action: Action, resource: Resource): Promise<Decision>;
}

export async function createAccess(deps: AccessDeps): Promise<Access> {
  const config = resolveAccessConfig(deps.config);
  const now = deps.now ?? (() => new Date());
  const secret = deps.secret ?? (await loadAccessSecret(deps.hub));
  const keys = deriveAccessKeys(secret);
  // The authoriser needs the permit lookup and the permit service needs the context: tie the knot.
  const lookup = { service: undefined as PermitService | undefined };
  const authorizer = new Authorizer({
    audit: deps.audit,
    now,
    dataRequiresMfa: config.mfa.requiredForData,
    permits: { activePermitsNaming: (user, at) => lookup.service!.activePermitsNaming(user, at) },
  });
  const ctx: AccessContext = {
    hub: deps.hub,
    audit: deps.audit,
    authorizer,
    config,
    keys,
    now,
    datasets: deps.datasets,
    verifiedTokens: new VerifiedTokens(),
  };
  const permits = new PermitService(ctx);
  lookup.service = permits;
  const mfa = new MfaService(ctx);
  const serviceAccounts = new ServiceAccountService(ctx);
  return {
    config,
    authorizer,
    auth: new AuthService(ctx, mfa, serviceAccounts),
    users: new UserService(ctx),
    mfa,
    serviceAccounts,
    oidc: new OidcService(ctx, deps.env ?? {}),
    applications: new ApplicationService(ctx),
    permits,
    auditTrail: new AuditTrail(ctx),
    authorize: (principal, action, resource) => authorizer.authorize(principal, action, resource),
  };
}
