/**
 * The one authorisation function. API routes and CLI commands both reach it through the services,
 * which call {@link Authorizer.enforce} before any change; nothing else decides who may do what.
 * @module
 */
import type { AuditLog } from '../audit/index.js';
import { AccessErrors } from './errors.js';
import { POLICY, type Action, type Condition, type Rule } from './policy.js';
import type { Principal } from './principal.js';
import { scopeCovers, type DataRequest, type PermitDataset } from './scope.js';

/** What an action is done to. Applications and permits carry the people the conditions look at. */
export type Resource =
  | { readonly type: 'hub' }
  /** A list: conditions other than `always` make the decision's `filter` `own`. */
  | {
      readonly type: 'collection';
      readonly of: 'applications' | 'permits' | 'users' | 'audit' | 'datasets' | 'migrations';
    }
  | { readonly type: 'user'; readonly name: string }
  | { readonly type: 'migration'; readonly name: string }
  | ({ readonly type: 'dataset' } & DataRequest)
  | {
      readonly type: 'application';
      readonly id: string;
      readonly applicant: string;
      readonly members: readonly string[];
    }
  | {
      readonly type: 'permit';
      readonly id: string;
      readonly persons: readonly string[];
      readonly applicant: string;
    };

export interface Decision {
  readonly allowed: boolean;
  readonly action: Action;
  /** `role:condition` that allowed, or what was missing. */
  readonly rule: string;
  readonly reason: string;
  /** For lists: `own` when the principal may see only what concerns them. */
  readonly filter?: 'all' | 'own';
  /** For data reads: the permit that allows it and its scope, for the SPE to restrict itself to. */
  readonly permit?: { readonly id: string; readonly endsAt: string; readonly scope: PermitDataset };
}

/** An active permit naming a person, as the authoriser needs it. */
export interface PermitGrant {
  readonly id: string;
  readonly endsAt: string;
  readonly scope: readonly PermitDataset[];
}

export interface PermitLookup {
  /** Permits with status active, started and not expired at `atIso`, naming the person. */
  activePermitsNaming(userName: string, atIso: string): Promise<readonly PermitGrant[]>;
}

export interface AuthorizerDeps {
  readonly permits: PermitLookup;
  readonly audit: AuditLog;
  readonly now: () => Date;
  /** Data reads need a second factor in the session (SPE-2). */
  readonly dataRequiresMfa: boolean;
}

const SELF_SERVICE: readonly Action[] = ['self.read', 'self.mfa'];

export class Authorizer {
  readonly #deps: AuthorizerDeps;

  constructor(deps: AuthorizerDeps) {
    this.#deps = deps;
  }

  /** Decides without side effects. Anything the policy does not grant is denied. */
  async authorize(principal: Principal, action: Action, resource: Resource): Promise<Decision> {
    const decision = this.#decide(principal, action, resource);
    return typeof decision === 'function' ? decision() : decision;
  }

  /**
   * {@link enforce}, done at once when the rule needs nothing from the database (every condition but
   * `permit` on a dataset) and allows: the same decision. Otherwise undefined, and the caller awaits
   * `enforce`, which reads the permits, and audits and throws a denial.
   */
  allowedNow(principal: Principal, action: Action, resource: Resource): Decision | undefined {
    const decision = this.#decide(principal, action, resource);
    return typeof decision !== 'function' && decision.allowed ? decision : undefined;
  }

  /** Like {@link authorize}, but a denial is written to the audit log and thrown as ACCESS_DENIED. */
  async enforce(principal: Principal, action: Action, resource: Resource): Promise<Decision> {
    const decision = await this.authorize(principal, action, resource);
    if (decision.allowed) {
      return decision;
    }
    await this.#deps.audit.record({
      actor: principal.actor,
      action,
      target: resourceLabel(resource),
      outcome: 'denied',
      details: { rule: decision.rule, reason: decision.reason, role: principal.role },
    });
    throw AccessErrors.ACCESS_DENIED(
      `${principal.actor} may not ${action} ${resourceLabel(resource)}: ${decision.reason}`,
      {
        details: { action, rule: decision.rule },
      },
    );
  }

  /** The decision, or how to make it once the permits are read (the `permit` condition). */
  #decide(principal: Principal, action: Action, resource: Resource): Decision | (() => Promise<Decision>) {
    const rule: Rule = POLICY[action];
    const deny = (why: string, ruleName = 'none'): Decision => ({
      allowed: false,
      action,
      rule: ruleName,
      reason: why,
    });
    if (principal.mfaEnrolmentRequired && !SELF_SERVICE.includes(action)) {
      return deny(
        `role ${principal.role} requires a second factor: enrol TOTP first (POST /api/me/mfa/enrol)`,
        'mfa-enrolment',
      );
    }
    if (rule.kinds !== undefined && !rule.kinds.includes(principal.kind)) {
      return deny(`a ${principal.kind} principal may not ${action}; it needs ${rule.kinds.join(' or ')}`);
    }
    const condition = rule.grants[principal.role];
    if (condition === undefined) {
      const roles = Object.keys(rule.grants).join(', ');
      return deny(`role ${principal.role} may not ${action} (allowed: ${roles})`);
    }
    const ruleName = `${principal.role}:${condition}`;
    const allow = (reason: string, extra: Partial<Decision> = {}): Decision => ({
      allowed: true,
      action,
      rule: ruleName,
      reason,
      ...extra,
    });
    if (resource.type === 'collection') {
      return allow(
        condition === 'always' ? `role ${principal.role}` : `role ${principal.role}, own ${resource.of}`,
        { filter: condition === 'always' ? 'all' : 'own' },
      );
    }
    const decide = (problem: string | Partial<Decision>): Decision =>
      typeof problem === 'string'
        ? deny(problem, ruleName)
        : allow(
            condition === 'always' ? `role ${principal.role}` : `role ${principal.role}, ${condition}`,
            problem,
          );
    if (condition === 'permit' && resource.type === 'dataset') {
      return async () => decide(await this.#checkPermit(principal, resource));
    }
    return decide(this.#check(principal, condition, resource));
  }

  /** Every condition but a dataset's `permit`, which reads the permits (#checkPermit). */
  #check(principal: Principal, condition: Condition, resource: Resource): string | Partial<Decision> {
    switch (condition) {
      case 'always':
        return {};
      case 'team':
      case 'named': {
        if (resource.type === 'application') {
          return resource.applicant === principal.name || resource.members.includes(principal.name)
            ? {}
            : `${principal.name} is not on the team of application ${resource.id}`;
        }
        if (resource.type === 'permit') {
          return resource.persons.includes(principal.name)
            ? {}
            : `${principal.name} is not named in permit ${resource.id}`;
        }
        return `the ${condition} condition needs an application or a permit, not ${resource.type}`;
      }
      case 'applicant':
        if (resource.type !== 'application') {
          return `the applicant condition needs an application`;
        }
        return resource.applicant === principal.name
          ? {}
          : `only the applicant (${resource.applicant}) may do this to application ${resource.id}`;
      case 'independent': {
        if (resource.type === 'application') {
          return resource.applicant === principal.name || resource.members.includes(principal.name)
            ? `${principal.name} is on the team of application ${resource.id} and may not act on it as a reviewer`
            : {};
        }
        if (resource.type === 'permit') {
          return resource.persons.includes(principal.name) || resource.applicant === principal.name
            ? `${principal.name} is named in permit ${resource.id} and may not act on it as a reviewer`
            : {};
        }
        return `the independent condition needs an application or a permit, not ${resource.type}`;
      }
      case 'permit':
        return `the permit condition needs a dataset, not ${resource.type}`;
    }
  }

  async #checkPermit(principal: Principal, request: DataRequest): Promise<string | Partial<Decision>> {
    if (this.#deps.dataRequiresMfa && !principal.mfa) {
      return 'reading data needs a session signed in with a second factor (TOTP)';
    }
    const now = this.#deps.now().toISOString();
    const grants = await this.#deps.permits.activePermitsNaming(principal.name, now);
    if (grants.length === 0) {
      return `no active permit names ${principal.name}`;
    }
    const reasons: string[] = [];
    for (const grant of grants) {
      for (const entry of grant.scope) {
        const why = scopeCovers(entry, request);
        if (why === undefined) {
          return { permit: { id: grant.id, endsAt: grant.endsAt, scope: entry } };
        }
        if (entry.dataset === request.name) {
          reasons.push(`${grant.id}: ${why}`);
        }
      }
    }
    return reasons.length > 0
      ? reasons.join('; ')
      : `no active permit naming ${principal.name} covers dataset ${request.name}`;
  }
}

/** How a resource is named in audit entries and messages. */
export function resourceLabel(resource: Resource): string {
  switch (resource.type) {
    case 'hub':
      return 'hub';
    case 'collection':
      return resource.of;
    case 'user':
      return `user:${resource.name}`;
    case 'migration':
      return `migration:${resource.name}`;
    case 'dataset': {
      const version = resource.version === undefined ? '' : `@${resource.version}`;
      const table = resource.table === undefined ? '' : `/${resource.table}`;
      return `dataset:${resource.name}${version}${table}`;
    }
    case 'application':
      return `application:${resource.id}`;
    case 'permit':
      return `permit:${resource.id}`;
  }
}
