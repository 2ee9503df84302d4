import { defineErrors } from '../core/index.js';

/** Codes of identities, authentication, authorisation, applications and permits. */
export const AccessErrors = defineErrors({
  AUTH_REQUIRED: {
    status: 401,
    description:
      'The request carries no credentials; send `Authorization: Bearer <access token or API token>`.',
  },
  AUTH_INVALID_CREDENTIALS: {
    status: 401,
    description:
      'The user name or password is wrong, or the account is disabled; repeated failures lock the account.',
  },
  AUTH_LOCKED: {
    status: 423,
    description:
      'The account is locked after repeated failed logins; it unlocks by itself at the time the message gives.',
  },
  AUTH_MFA_REQUIRED: {
    status: 401,
    description: 'The account has a second factor: send the current 6-digit TOTP code with the login.',
  },
  AUTH_MFA_INVALID: {
    status: 401,
    description: 'The TOTP code is wrong, too old or was already used; wait for the next code and try again.',
  },
  AUTH_MFA_STATE: {
    status: 409,
    description:
      'The second factor is not in the state the request needs (already enrolled, or no enrolment to verify).',
  },
  AUTH_PASSWORD_WEAK: {
    status: 400,
    description:
      'The new password does not meet the password policy (length); the message says what is missing.',
  },
  AUTH_TOKEN_INVALID: {
    status: 401,
    description: 'The token is malformed, was not issued by this hub, or was tampered with; sign in again.',
  },
  AUTH_TOKEN_EXPIRED: {
    status: 401,
    description: 'The token has expired; refresh the access token or sign in again.',
  },
  AUTH_TOKEN_REVOKED: {
    status: 401,
    description:
      'The token was revoked (logout, reuse of a rotated refresh token, disabled account); sign in again.',
  },
  AUTH_OIDC_UNKNOWN_PROVIDER: {
    status: 404,
    description: 'No OpenID Connect provider of that name is configured on this hub.',
  },
  AUTH_OIDC_FAILED: {
    status: 401,
    description:
      'The OpenID Connect login failed (state, nonce, PKCE or ID token check, or the provider refused); start again.',
  },
  AUTH_OIDC_NO_ROLE: {
    status: 403,
    description:
      'The identity provider vouched for the person but no hub role maps from their claims and no default role is set.',
  },
  ACCESS_DENIED: {
    status: 403,
    description:
      'The role, or the permit behind it, does not allow this action on this resource; the message gives the rule.',
  },
  MFA_POLICY_FIXED: {
    status: 409,
    description:
      'The role must use a second factor by the hub configuration (access.mfa.requiredRoles); only hdh.yaml can lift it.',
  },
  USER_NOT_FOUND: { status: 404, description: 'No user of that name exists on this hub.' },
  USER_EXISTS: { status: 409, description: 'A user (or service account) of that name already exists.' },
  SERVICE_ACCOUNT_NOT_FOUND: { status: 404, description: 'No service account of that name exists.' },
  API_TOKEN_NOT_FOUND: {
    status: 404,
    description: 'No API token with that id exists for the service account.',
  },
  APPLICATION_NOT_FOUND: { status: 404, description: 'No access application with that id exists.' },
  APPLICATION_INVALID: {
    status: 400,
    description:
      'The application names something that does not exist or is not allowed (dataset, table, column, team member, duration); the message names it.',
  },
  APPLICATION_INVALID_TRANSITION: {
    status: 409,
    description:
      'The application is not in a state that allows this step (e.g. deciding a draft, approving twice); the message names the current state.',
  },
  APPLICATION_ALREADY_EXTENDED: {
    status: 409,
    description: 'The statutory decision period may be extended only once (EHDS Art. 68(4)).',
  },
  PERMIT_NOT_FOUND: { status: 404, description: 'No data permit with that id exists.' },
  PERMIT_NOT_ACTIVE: {
    status: 409,
    description:
      'The permit is not in a status that allows this step (e.g. suspending a revoked or expired permit); the message names its status.',
  },
});
