/**
 * Identities, authentication (local accounts with argon2id and TOTP, OIDC, API tokens), the one
 * authorisation function, access applications and data permits.
 * @module
 */
export { createAccess, type Access, type AccessDeps } from './access.js';
export { AccessErrors } from './errors.js';
export { ROLES, ROLE_LABELS, SERVICE_ACCOUNT_ROLES, isRole, type Role } from './roles.js';
export { cliPrincipal, type Principal, type PrincipalKind } from './principal.js';
export { POLICY, ACTIONS, isAction, policyTable, type Action, type Condition, type Rule } from './policy.js';
export {
  Authorizer,
  resourceLabel,
  type Decision,
  type Resource,
  type PermitGrant,
  type PermitLookup,
} from './authorize.js';
export { AccessConfig, OidcProviderConfig, resolveAccessConfig, type AccessConfigInput } from './config.js';
export type { DatasetDirectory, DatasetEntry, DatasetTable } from './datasets.js';
export type { RequestedDataset, PermitDataset, TableScope, DataRequest } from './scope.js';
export {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  decodeCursor,
  encodeCursor,
  pageLimit,
  type Page,
  type PageQuery,
} from './pagination.js';
export type { AuthService, LoginInput, LoginResult, RequestMeta } from './auth.js';
export type { TokenPair } from './sessions.js';
export type { UserService, UserView, AddUserInput, AddUserResult, ListUsersQuery } from './users.js';
export type { MfaService, MfaEnrolment } from './mfa.js';
export type {
  ServiceAccountService,
  ServiceAccountView,
  ApiTokenView,
  IssuedApiToken,
} from './service-accounts.js';
export type { OidcService, OidcStart, OidcProviderInfo } from './oidc.js';
export type { AuditTrail, AuditFilter } from './audit-trail.js';
export type {
  ApplicationService,
  ApplicationInput,
  ApplicationPatch,
  ApplicationView,
  ApplicationDetail,
  ApplicationEvent,
  DecisionInput,
  DecisionKind,
  ListApplicationsQuery,
} from './applications/application-service.js';
export { MAX_DURATION_MONTHS } from './applications/application-service.js';
export {
  PURPOSES,
  PURPOSE_CODES,
  purposeOf,
  type Purpose,
  type PurposeCode,
} from './applications/purposes.js';
export { APPLICATION_STATES, STEPS, type ApplicationState } from './applications/states.js';
export { statutoryClock, addMonths, type StatutoryClock } from './applications/clock.js';
export type { PermitService, PermitView, ListPermitsQuery, PermitStatus } from './permits/permit-service.js';
export { PERMIT_STATUSES } from './permits/permit-service.js';
export { totp, verifyTotp, base32Encode, base32Decode, otpauthUri } from './totp.js';
