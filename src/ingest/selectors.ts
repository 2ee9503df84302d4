/**
 * FHIRPath selectors for profile rules. A rule's path names nodes of a resource; the pseudonymiser
 * needs their *locations* (container and key) to claim them, first rule first.
 *
 * Simple paths — `Patient.birthDate`, `Observation.code.coding.system`, `subject.reference`,
 * `identifier.where(system='…').value`, unions of them with `|` — are compiled into direct accessors
 * over the JSON, typed with the R4 model so choice elements resolve (`Observation.value` reaches
 * `valueQuantity`). Anything else runs on the fhirpath engine, which is exact but much slower.
 * @module
 */
import fhirpath from 'fhirpath';
import { choiceKeys, elementInfo, isResourceType, R4_MODEL, typeAncestors } from './fhir-model.js';

type Key = string | number;
type Container = Record<string, unknown> | unknown[];

/**
 * Which nodes earlier rules of the current resource claimed. A claimed node's subtree belongs to its
 * rule; `below` holds every container with a claim somewhere beneath it, so the output walk can skip
 * (drop, or share when kept) subtrees without one.
 */
export class Claims {
  readonly decisions = new Map<object, Map<Key, number>>();
  readonly below = new Set<object>();
  /** Rule that claimed the resource root itself, or -1. */
  rootRule = -1;

  isDecided(container: object, key: Key): boolean {
    const m = this.decisions.get(container);
    return m !== undefined && m.has(key);
  }

  ruleAt(container: object, key: Key): number | undefined {
    return this.decisions.get(container)?.get(key);
  }

  decide(container: object, key: Key, rule: number, ancestors: readonly object[]): void {
    let m = this.decisions.get(container);
    if (m === undefined) {
      m = new Map();
      this.decisions.set(container, m);
    }
    m.set(key, rule);
    this.below.add(container);
    for (const a of ancestors) {
      this.below.add(a);
    }
  }
}

export interface Selector {
  readonly expression: string;
  /** True when compiled into direct accessors, false when the fhirpath engine evaluates it. */
  readonly compiled: boolean;
  appliesTo(resourceType: string): boolean;
  /**
   * For compiled selectors: what the path reaches in resources of `resourceType`, as a tree of JSON
   * keys (whether it selects the root, and the steps below it).
   */
  plan?(resourceType: string): { readonly root: boolean; readonly steps: readonly PlanStep[] };
  /** Claims for `rule` every node the path reaches that no earlier rule claimed (nor an ancestor of). */
  select(resource: Record<string, unknown>, claims: Claims, rule: number): void;
}

export interface Condition {
  readonly path: readonly string[];
  readonly value: string | number | boolean;
}

interface Segment {
  readonly name: string;
  readonly where?: Condition;
}

interface Term {
  /** Resource type (or Resource / DomainResource) the term is restricted to. */
  readonly type?: string;
  readonly segments: readonly Segment[];
}

export interface PlanStep {
  readonly key: string;
  readonly where?: Condition;
  /** True when this step reaches selected nodes (their subtrees are then claimed whole). */
  readonly terminal: boolean;
  /** Steps below (for the terms of a union that go deeper). */
  readonly next: readonly PlanStep[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Splits on `|` outside quotes and parentheses. */
function splitUnion(expr: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === '\\') {
        i++;
      } else if (c === "'") {
        quote = false;
      }
    } else if (c === "'") {
      quote = true;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === '|' && depth === 0) {
      parts.push(expr.slice(start, i));
      start = i + 1;
    }
  }
  if (quote || depth !== 0) {
    return undefined;
  }
  parts.push(expr.slice(start));
  return parts.map((p) => p.trim());
}

function parseLiteral(text: string): string | number | boolean | undefined {
  const t = text.trim();
  if (t === 'true') {
    return true;
  }
  if (t === 'false') {
    return false;
  }
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    return Number(t);
  }
  const m = /^'((?:[^'\\]|\\.)*)'$/.exec(t);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : undefined;
}

/** Parses one term of the simple subset, or returns undefined when the term needs the engine. */
function parseTerm(text: string): Term | undefined {
  let rest = text;
  const segments: Segment[] = [];
  let type: string | undefined;
  let first = true;
  while (rest.length > 0) {
    const m = IDENT.exec(rest);
    if (!m) {
      return undefined;
    }
    const name = m[0];
    rest = rest.slice(name.length);
    if (name === 'where') {
      const close = rest.startsWith('(') ? rest.indexOf(')') : -1;
      if (close < 0 || segments.length === 0 || segments[segments.length - 1]!.where) {
        return undefined;
      }
      const cond = rest.slice(1, close);
      const eq = cond.indexOf('=');
      if (eq < 0 || /[!<>~]$/.test(cond.slice(0, eq))) {
        return undefined;
      }
      const left = cond.slice(0, eq).trim();
      const value = parseLiteral(cond.slice(eq + 1));
      if (value === undefined || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(left)) {
        return undefined;
      }
      const prev = segments.pop()!;
      segments.push({ name: prev.name, where: { path: left.split('.'), value } });
      rest = rest.slice(close + 1);
    } else if (first && /^[A-Z]/.test(name)) {
      if (name !== 'Resource' && name !== 'DomainResource' && !isResourceType(name)) {
        return undefined;
      }
      type = name;
    } else {
      if (rest.startsWith('(')) {
        return undefined;
      } // a function call
      segments.push({ name });
    }
    first = false;
    if (rest.length === 0) {
      break;
    }
    if (!rest.startsWith('.')) {
      return undefined;
    }
    rest = rest.slice(1);
  }
  if (type === undefined && segments.length === 0) {
    return undefined;
  }
  return type === undefined ? { segments } : { type, segments };
}

function termApplies(term: Term, resourceType: string): boolean {
  if (term.type === undefined || term.type === 'Resource') {
    return true;
  }
  if (term.type === 'DomainResource') {
    return typeAncestors(resourceType).includes('DomainResource');
  }
  return term.type === resourceType;
}

function buildPlan(segments: readonly Segment[], index: number, context: string | undefined): PlanStep[] {
  const seg = segments[index]!;
  const last = index === segments.length - 1;
  let keys: { key: string; context: string | undefined }[];
  const direct = context !== undefined ? elementInfo(context, seg.name) : undefined;
  const choices = context !== undefined && direct === undefined ? choiceKeys(context, seg.name) : undefined;
  if (direct !== undefined) {
    keys = [{ key: seg.name, context: direct.childContext }];
  } else if (choices !== undefined) {
    keys = choices.map((key) => ({ key, context: elementInfo(context!, key)?.childContext }));
  } else {
    keys = [{ key: seg.name, context: undefined }];
  }
  return keys.map(({ key, context: next }) => ({
    key,
    ...(seg.where ? { where: seg.where } : {}),
    terminal: last,
    next: last ? [] : buildPlan(segments, index + 1, next),
  }));
}

/**
 * Merges the plans of a union's terms into one tree, so `code.coding.system | code.coding.code`
 * walks `code.coding` once.
 */
function mergePlans(steps: readonly PlanStep[]): PlanStep[] {
  const groups = new Map<string, PlanStep[]>();
  for (const step of steps) {
    const id = `${step.key}\u0000${step.where ? JSON.stringify(step.where) : ''}`;
    const group = groups.get(id);
    if (group) {
      group.push(step);
    } else {
      groups.set(id, [step]);
    }
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    return {
      key: first.key,
      ...(first.where ? { where: first.where } : {}),
      terminal: group.some((g) => g.terminal),
      next: mergePlans(group.flatMap((g) => g.next)),
    };
  });
}

export function conditionHolds(item: unknown, cond: Condition): boolean {
  let values: unknown[] = [item];
  for (const name of cond.path) {
    const nextValues: unknown[] = [];
    for (const v of values) {
      if (typeof v !== 'object' || v === null) {
        continue;
      }
      const child = (v as Record<string, unknown>)[name];
      if (Array.isArray(child)) {
        nextValues.push(...(child as unknown[]));
      } else if (child !== undefined && child !== null) {
        nextValues.push(child);
      }
    }
    values = nextValues;
  }
  // FHIRPath `=` on a collection is true only for a single equal item.
  return values.length === 1 && values[0] === cond.value;
}

function walk(
  container: Record<string, unknown>,
  steps: readonly PlanStep[],
  claims: Claims,
  rule: number,
  stack: object[],
): void {
  for (const step of steps) {
    const value = container[step.key];
    if (value === undefined || value === null) {
      continue;
    }
    if (claims.isDecided(container, step.key)) {
      continue;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === null || item === undefined || claims.isDecided(value, i)) {
          continue;
        }
        if (step.where && !conditionHolds(item, step.where)) {
          continue;
        }
        if (step.terminal) {
          stack.push(container);
          claims.decide(value, i, rule, stack);
          stack.length -= 1;
        } else if (typeof item === 'object') {
          stack.push(container, value);
          walk(item as Record<string, unknown>, step.next, claims, rule, stack);
          stack.length -= 2;
        }
      }
    } else {
      if (step.where && !conditionHolds(value, step.where)) {
        continue;
      }
      if (step.terminal) {
        claims.decide(container, step.key, rule, stack);
      } else if (typeof value === 'object') {
        stack.push(container);
        walk(value as Record<string, unknown>, step.next, claims, rule, stack);
        stack.length -= 1;
      }
    }
  }
}

class CompiledSelector implements Selector {
  readonly compiled = true;
  /** Per resource type: whether a term selects the root, and the merged plan of the others. */
  private readonly plans = new Map<string, { root: boolean; steps: readonly PlanStep[] }>();

  constructor(
    readonly expression: string,
    private readonly terms: readonly Term[],
  ) {}

  appliesTo(resourceType: string): boolean {
    return this.terms.some((t) => termApplies(t, resourceType));
  }

  plan(resourceType: string): { root: boolean; steps: readonly PlanStep[] } {
    let plan = this.plans.get(resourceType);
    if (plan === undefined) {
      const terms = this.terms.filter((t) => termApplies(t, resourceType));
      plan = {
        root: terms.some((t) => t.segments.length === 0),
        steps: mergePlans(
          terms.filter((t) => t.segments.length > 0).flatMap((t) => buildPlan(t.segments, 0, resourceType)),
        ),
      };
      this.plans.set(resourceType, plan);
    }
    return plan;
  }

  select(resource: Record<string, unknown>, claims: Claims, rule: number): void {
    if (claims.rootRule >= 0) {
      return;
    }
    const plan = this.plan(resource['resourceType'] as string);
    if (plan.root) {
      claims.rootRule = rule;
      return;
    }
    walk(resource, plan.steps, claims, rule, []);
  }
}

/** The slice of fhirpath's ResourceNode the engine selector reads. */
interface EngineNode {
  readonly parentResNode: EngineNode | null;
  readonly data: unknown;
  readonly propName: string | null;
  readonly index: number | null;
}

function isEngineNode(v: unknown): v is EngineNode {
  return typeof v === 'object' && v !== null && 'parentResNode' in v && 'propName' in v;
}

/** The JSON key under which `node` sits in its parent (choice elements carry their type suffix). */
function jsonKey(parent: Record<string, unknown>, node: EngineNode): string | undefined {
  const prop = node.propName;
  if (prop === null) {
    return undefined;
  }
  if (parent[prop] !== undefined) {
    return prop;
  }
  for (const key of Object.keys(parent)) {
    if (key.length > prop.length && key.startsWith(prop) && /[A-Z]/.test(key.charAt(prop.length))) {
      const v = parent[key];
      if (v === node.data || (Array.isArray(v) && node.index !== null)) {
        return key;
      }
      if (typeof v !== 'object' && v !== null && v !== undefined) {
        return key;
      }
    }
  }
  return undefined;
}

class EngineSelector implements Selector {
  readonly compiled = false;
  private readonly fn: (resource: unknown) => unknown[];
  private readonly type: string | undefined;

  constructor(readonly expression: string) {
    this.fn = fhirpath.compile(expression, R4_MODEL, { resolveInternalTypes: false });
    const head = /^\s*([A-Z][A-Za-z]*)\s*(\.|$)/.exec(expression)?.[1];
    this.type = head !== undefined && isResourceType(head) && !expression.includes('|') ? head : undefined;
  }

  appliesTo(resourceType: string): boolean {
    return this.type === undefined || this.type === resourceType;
  }

  select(resource: Record<string, unknown>, claims: Claims, rule: number): void {
    if (claims.rootRule >= 0) {
      return;
    }
    for (const result of this.fn(resource)) {
      if (!isEngineNode(result)) {
        continue;
      }
      const chain: EngineNode[] = [];
      for (let n: EngineNode | null = result; n?.parentResNode; n = n.parentResNode) {
        chain.unshift(n);
      }
      if (chain.length === 0) {
        if (result.data === resource) {
          claims.rootRule = rule;
        }
        continue;
      }
      const steps: { container: Container; key: Key }[] = [];
      let ok = true;
      for (const node of chain) {
        const parent = node.parentResNode!.data;
        if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) {
          ok = false;
          break;
        }
        const key = jsonKey(parent as Record<string, unknown>, node);
        if (key === undefined) {
          ok = false;
          break;
        }
        const value = (parent as Record<string, unknown>)[key];
        if (Array.isArray(value)) {
          steps.push(
            { container: parent as Container, key },
            { container: value, key: node.index ?? value.indexOf(node.data) },
          );
        } else {
          steps.push({ container: parent as Container, key });
        }
      }
      if (!ok) {
        continue;
      }
      if (steps.some((s) => claims.isDecided(s.container, s.key))) {
        continue;
      }
      const target = steps[steps.length - 1]!;
      claims.decide(
        target.container,
        target.key,
        rule,
        steps.slice(0, -1).map((s) => s.container),
      );
    }
  }
}

/** Compiles a FHIRPath rule path; throws when the expression does not parse. */
export function compileSelector(expression: string): Selector {
  const parts = splitUnion(expression);
  if (parts !== undefined) {
    const terms = parts.map(parseTerm);
    if (terms.every((t): t is Term => t !== undefined)) {
      return new CompiledSelector(expression, terms);
    }
  }
  return new EngineSelector(expression);
}
