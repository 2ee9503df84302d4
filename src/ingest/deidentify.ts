/**
 * Applies a profile's FHIRPath rules to one resource and builds the pseudonymised resource.
 *
 * Semantics (those of Microsoft's FHIR anonymizer, with an allow-list default):
 * - rules run in order; a rule claims the nodes its path reaches unless an earlier rule claimed the
 *   node or one of its ancestors; a claimed node's whole subtree follows its rule, except descendants
 *   an earlier rule claimed;
 * - a node no rule claims is left out: the output holds only what rules keep or transform;
 * - identifiers of resources are never kept verbatim: the root `id` becomes the resource's keyed
 *   pseudonym (the person pseudonym for a Patient) and every `reference` is rewritten to the keyed
 *   pseudonym of its target, whatever the rule (keep or pseudonym).
 * @module
 */
import type { PseudonymKeys } from './keys.js';
import { coarsenDate, departementOf, perturbNumber, shiftDate, topCodeAge } from './methods.js';
import type { Profile, ProfileRule } from './profile.js';
import { Claims, compileSelector, type Selector } from './selectors.js';

/** What the rules need to know about the record being pseudonymised. */
export interface DeidContext {
  readonly keys: PseudonymKeys;
  /** The record's person pseudonym, when it is about a person. */
  readonly person: string | undefined;
  /** The pseudonymised id of the resource. */
  readonly outputId: string;
  /** Rewrites a reference string to point at its target's pseudonym. */
  readonly rewriteReference: (reference: string) => string;
}

interface FhirRule {
  readonly index: number;
  readonly rule: ProfileRule;
  readonly selector: Selector;
}

interface EmitState {
  readonly claims: Claims;
  readonly ctx: DeidContext;
}

/** The profile's FHIR rules, compiled once, applicable rules cached per resource type. */
export class FhirDeidentifier {
  private readonly rules: readonly FhirRule[];
  private readonly byType = new Map<string, readonly FhirRule[]>();
  private readonly maxDays: number;

  constructor(readonly profile: Profile) {
    this.rules = profile.rules.flatMap((rule, index) =>
      rule.path === undefined ? [] : [{ index, rule, selector: compileSelector(rule.path) }],
    );
    this.maxDays = profile.parameters.dateShiftMaxDays;
  }

  /** Share of the rules that run as compiled accessors (the rest use the fhirpath engine). */
  get compiledShare(): number {
    return this.rules.length === 0
      ? 1
      : this.rules.filter((r) => r.selector.compiled).length / this.rules.length;
  }

  private rulesFor(type: string): readonly FhirRule[] {
    let rules = this.byType.get(type);
    if (rules === undefined) {
      rules = this.rules.filter((r) => r.selector.appliesTo(type));
      this.byType.set(type, rules);
    }
    return rules;
  }

  /** The pseudonymised copy of `resource` (which is not modified). */
  apply(resource: Record<string, unknown>, ctx: DeidContext): Record<string, unknown> {
    const type = resource['resourceType'] as string;
    const claims = new Claims();
    for (const r of this.rulesFor(type)) r.selector.select(resource, claims, r.index);
    const st: EmitState = { claims, ctx };
    const inherited = claims.rootRule >= 0 ? claims.rootRule : undefined;
    const body = this.emitObject(resource, inherited, true, st);
    return body === undefined ? { resourceType: type } : { resourceType: type, ...body };
  }

  private method(rule: number | undefined): ProfileRule['method'] | undefined {
    return rule === undefined ? undefined : this.profile.rules[rule]!.method;
  }

  private emitObject(
    obj: Record<string, unknown>,
    inherited: number | undefined,
    isRoot: boolean,
    st: EmitState,
  ): Record<string, unknown> | undefined {
    const method = this.method(inherited);
    const below = st.claims.below.has(obj);
    if ((method === undefined || method === 'redact') && !below) return undefined;
    if (method === 'keep' && !below) return this.keepObject(obj, isRoot, st);
    const own = st.claims.decisions.get(obj);
    let out: Record<string, unknown> | undefined;
    for (const key in obj) {
      if (isRoot && key === 'resourceType') continue;
      const rule = own?.get(key) ?? inherited;
      const value = this.emitValue(obj[key], key, rule, isRoot, st);
      if (value !== undefined) (out ??= {})[key] = value;
    }
    return out;
  }

  private emitValue(
    value: unknown,
    key: string,
    rule: number | undefined,
    parentIsRoot: boolean,
    st: EmitState,
  ): unknown {
    if (value === null || value === undefined) return undefined;
    const method = this.method(rule);
    if (method === 'substitute') return this.profile.rules[rule!]!.params.value;
    if (Array.isArray(value)) {
      if ((method === undefined || method === 'redact') && !st.claims.below.has(value)) return undefined;
      const own = st.claims.decisions.get(value);
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        const item = this.emitValue(value[i], key, own?.get(i) ?? rule, false, st);
        if (item !== undefined) out.push(item);
      }
      return out.length > 0 ? out : undefined;
    }
    if (typeof value === 'object') return this.emitObject(value as Record<string, unknown>, rule, false, st);
    if (rule === undefined) return undefined;
    return this.leaf(rule, value, key, parentIsRoot, st);
  }

  private leaf(rule: number, value: unknown, key: string, parentIsRoot: boolean, st: EmitState): unknown {
    const r = this.profile.rules[rule]!;
    const { ctx } = st;
    if (parentIsRoot && key === 'id') return r.method === 'redact' ? undefined : ctx.outputId;
    if (
      key === 'reference' &&
      typeof value === 'string' &&
      (r.method === 'keep' || r.method === 'pseudonym')
    ) {
      return ctx.rewriteReference(value);
    }
    switch (r.method) {
      case 'keep':
        return value;
      case 'redact':
        return undefined;
      case 'pseudonym':
        if (r.params.of === 'person') return ctx.person;
        return ctx.keys.token('value', String(value));
      case 'dateShift':
        return typeof value === 'string'
          ? shiftDate(value, ctx.keys.dateShiftDays(ctx.person ?? ctx.outputId, this.maxDays))
          : undefined;
      case 'generalize':
        switch (r.params.to) {
          case 'year':
          case 'year-month':
            return typeof value === 'string' ? coarsenDate(value, r.params.to) : undefined;
          case 'departement':
            return typeof value === 'string' ? departementOf(value) : undefined;
          case 'age':
            return typeof value === 'number' ? topCodeAge(value) : undefined;
          case undefined:
            return undefined;
        }
        return undefined;
      case 'perturb':
        return typeof value === 'number'
          ? perturbNumber(
              value,
              ctx.keys.unitNoise(ctx.person ?? ctx.outputId, `${r.path ?? ''}\u0000${key}`),
              r.params.span ?? 0,
              r.params.proportional !== false,
              r.params.roundTo ?? 2,
            )
          : undefined;
      case 'substitute':
        return r.params.value;
    }
  }

  /** A kept subtree: shared as is unless it holds references (rewritten) or is the root (id replaced). */
  private keepObject(
    obj: Record<string, unknown>,
    isRoot: boolean,
    st: EmitState,
  ): Record<string, unknown> | undefined {
    if (isRoot) {
      const out: Record<string, unknown> = {};
      for (const key in obj) {
        if (key === 'resourceType') continue;
        const kept = key === 'id' ? st.ctx.outputId : this.keepValue(obj[key], key, st);
        if (kept !== undefined) out[key] = kept;
      }
      return out;
    }
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(obj);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      const value = obj[key];
      const kept = this.keepValue(value, key, st);
      if (kept !== value && out === undefined) {
        out = {};
        for (let i = 0; i < k; i++) out[keys[i]!] = obj[keys[i]!];
      }
      if (out !== undefined && kept !== undefined) out[key] = kept;
    }
    return out ?? obj;
  }

  private keepValue(value: unknown, key: string, st: EmitState): unknown {
    if (value === null || value === undefined) return undefined;
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const kept = this.keepValue(value[i], key, st);
        if (kept !== value[i] && out === undefined) out = value.slice(0, i);
        if (out !== undefined && kept !== undefined) out.push(kept);
      }
      return out ?? value;
    }
    if (typeof value === 'object') return this.keepObject(value as Record<string, unknown>, false, st);
    if (key === 'reference' && typeof value === 'string') return st.ctx.rewriteReference(value);
    return value;
  }
}
