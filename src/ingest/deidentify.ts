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
import type { KeySet } from './omop-mapping.js';
import { coarsenDate, departementOf, perturbNumber, shiftDate, topCodeAge } from './methods.js';
import type { Profile, ProfileRule } from './profile.js';
import {
  Claims,
  compileSelector,
  conditionHolds,
  type Condition,
  type PlanStep,
  type Selector,
} from './selectors.js';

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

/**
 * The rules of one resource type merged into one tree of JSON keys. A node's `rule` is the first
 * (lowest-index) rule whose path ends there; the rule governing a node is then the lowest of its own
 * and its ancestors' — exactly "the first rule reaching a node or an ancestor wins" — so the output
 * is built in one walk that visits only keys some rule names (or whole subtrees a rule keeps).
 */
interface TrieNode {
  rule: number;
  readonly children: Map<string, TrieEdge[]>;
  /** The same children as a list, for iteration without allocating map entries. */
  list: { readonly key: string; readonly edges: TrieEdge[] }[];
}

interface TrieEdge {
  readonly where: Condition | undefined;
  readonly node: TrieNode;
}

const NONE = Number.POSITIVE_INFINITY;
const EMPTY: TrieNode = { rule: NONE, children: new Map(), list: [] };

function insert(node: TrieNode, steps: readonly PlanStep[], rule: number): void {
  for (const step of steps) {
    let edges = node.children.get(step.key);
    if (edges === undefined) {
      edges = [];
      node.children.set(step.key, edges);
    }
    const sig = step.where ? JSON.stringify(step.where) : '';
    let edge = edges.find((e) => (e.where ? JSON.stringify(e.where) : '') === sig);
    if (edge === undefined) {
      edge = { where: step.where, node: { rule: NONE, children: new Map(), list: [] } };
      edges.push(edge);
    }
    if (step.terminal && rule < edge.node.rule) {
      edge.node.rule = rule;
    }
    insert(edge.node, step.next, rule);
  }
}

/** The union of several nodes (items matching several `where` branches). */
function mergeNodes(nodes: readonly TrieNode[]): TrieNode {
  const out: TrieNode = { rule: Math.min(...nodes.map((n) => n.rule)), children: new Map(), list: [] };
  for (const n of nodes) {
    for (const [key, edges] of n.children) {
      out.children.set(key, [...(out.children.get(key) ?? []), ...edges]);
    }
  }
  seal(out);
  return out;
}

/** Fills the iteration lists of a finished tree. */
function seal(node: TrieNode): void {
  node.list = [...node.children].map(([key, edges]) => ({ key, edges }));
  for (const edges of node.children.values()) {
    for (const e of edges) {
      seal(e.node);
    }
  }
}

/** The profile's FHIR rules, compiled once, applicable rules cached per resource type. */
const NO_CLAIMS = new Claims();

export class FhirDeidentifier {
  private readonly rules: readonly FhirRule[];
  private readonly byType = new Map<string, readonly FhirRule[]>();
  /** Per resource type: the merged rule tree, or null when a rule needs the fhirpath engine. */
  private readonly tries = new Map<string, TrieNode | null>();
  private readonly merged = new WeakMap<TrieEdge[], Map<string, TrieNode>>();
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

  private trieFor(type: string): TrieNode | null {
    let trie = this.tries.get(type);
    if (trie === undefined) {
      const rules = this.rulesFor(type);
      if (rules.some((r) => r.selector.plan === undefined)) {
        trie = null;
      } else {
        trie = { rule: NONE, children: new Map(), list: [] };
        for (const r of rules) {
          const plan = r.selector.plan!(type);
          if (plan.root && r.index < trie.rule) {
            trie.rule = r.index;
          }
          insert(trie, plan.steps, r.index);
        }
        seal(trie);
      }
      this.tries.set(type, trie);
    }
    return trie;
  }

  /**
   * The pseudonymised copy of `resource` (which is not modified). With `only`, the copy may hold just
   * the top-level keys `only` has (each built exactly as without it): for a reader of those keys
   * alone. Each top-level key's output depends on that key's value alone, so leaving others out
   * changes nothing in the ones built. (The general path, for rules the fhirpath engine evaluates,
   * ignores `only`: a condition there may look at any key.)
   */
  apply(resource: Record<string, unknown>, ctx: DeidContext, only?: KeySet): Record<string, unknown> {
    const type = resource['resourceType'] as string;
    const trie = this.trieFor(type);
    if (trie !== null) {
      // The root's kept keys go straight into the output, after its resourceType (no copy).
      const root: Record<string, unknown> = { resourceType: type };
      const body = this.walkObject(resource, trie, NONE, true, ctx, root, only);
      return body === undefined || body === root ? root : { resourceType: type, ...body };
    }
    return this.applyWithClaims(resource, type, ctx);
  }

  /** The rule tree's node for one value under `key`, given the value (for `where` branches). */
  private nodeFor(edges: TrieEdge[] | undefined, value: unknown): TrieNode {
    if (edges === undefined) {
      return EMPTY;
    }
    if (edges.length === 1 && edges[0]!.where === undefined) {
      return edges[0]!.node;
    }
    let sig = '';
    const hits: TrieNode[] = [];
    for (let i = 0; i < edges.length; i++) {
      const e = edges[i]!;
      if (e.where === undefined || conditionHolds(value, e.where)) {
        hits.push(e.node);
        sig += `${i},`;
      }
    }
    if (hits.length <= 1) {
      return hits[0] ?? EMPTY;
    }
    let cache = this.merged.get(edges);
    if (cache === undefined) {
      cache = new Map();
      this.merged.set(edges, cache);
    }
    let node = cache.get(sig);
    if (node === undefined) {
      node = mergeNodes(hits);
      cache.set(sig, node);
    }
    return node;
  }

  private walkValue(
    value: unknown,
    key: string,
    edges: TrieEdge[] | undefined,
    inherited: number,
    parentIsRoot: boolean,
    ctx: DeidContext,
  ): unknown {
    if (value === null || value === undefined) {
      return undefined;
    }
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (const item of value) {
        const r = this.walkOne(item, key, this.nodeFor(edges, item), inherited, false, ctx);
        if (r !== undefined) {
          (out ??= []).push(r);
        }
      }
      return out;
    }
    return this.walkOne(value, key, this.nodeFor(edges, value), inherited, parentIsRoot, ctx);
  }

  private walkOne(
    value: unknown,
    key: string,
    node: TrieNode,
    inherited: number,
    parentIsRoot: boolean,
    ctx: DeidContext,
  ): unknown {
    if (value === null || value === undefined) {
      return undefined;
    }
    const rule = node.rule < inherited ? node.rule : inherited;
    if (typeof value !== 'object') {
      return rule === NONE ? undefined : this.leaf(rule, value, key, parentIsRoot, ctx);
    }
    if (Array.isArray(value)) {
      return this.walkValue(value, key, undefined, rule, false, ctx);
    }
    return this.walkObject(value as Record<string, unknown>, node, rule, false, ctx);
  }

  private walkObject(
    obj: Record<string, unknown>,
    node: TrieNode,
    inherited: number,
    isRoot: boolean,
    ctx: DeidContext,
    seed?: Record<string, unknown>,
    only?: KeySet,
  ): Record<string, unknown> | undefined {
    const rule = node.rule < inherited ? node.rule : inherited;
    const method = rule === NONE ? undefined : this.profile.rules[rule]!.method;
    if (method === 'substitute') {
      return this.profile.rules[rule]!.params.value as Record<string, unknown>;
    }
    let out: Record<string, unknown> | undefined = seed;
    if (method === undefined || method === 'redact') {
      // Nothing governs this object: only keys a rule names can give anything.
      const list = node.list;
      if (list.length <= 8) {
        for (let i = 0; i < list.length; i++) {
          const { key, edges } = list[i]!;
          const v = obj[key];
          if (
            v === undefined ||
            (isRoot && key === 'resourceType') ||
            (only !== undefined && !only.has(key))
          ) {
            continue;
          }
          const r = this.walkValue(v, key, edges, rule, isRoot, ctx);
          if (r !== undefined) {
            (out ??= {})[key] = r;
          }
        }
      } else {
        // Many rules name keys here (a resource root): look the object's few keys up in the tree instead.
        for (const key in obj) {
          const edges = node.children.get(key);
          if (
            edges === undefined ||
            (isRoot && key === 'resourceType') ||
            (only !== undefined && !only.has(key))
          ) {
            continue;
          }
          const r = this.walkValue(obj[key], key, edges, rule, isRoot, ctx);
          if (r !== undefined) {
            (out ??= {})[key] = r;
          }
        }
      }
      return out;
    }
    if (method === 'keep' && node.children.size === 0) {
      return this.keepObject(obj, isRoot, { claims: NO_CLAIMS, ctx }, only);
    }
    for (const key in obj) {
      if ((isRoot && key === 'resourceType') || (only !== undefined && !only.has(key))) {
        continue;
      }
      const r = this.walkValue(obj[key], key, node.children.get(key), rule, isRoot, ctx);
      if (r !== undefined) {
        (out ??= {})[key] = r;
      }
    }
    return out;
  }

  /**
   * The general path, for rules the fhirpath engine evaluates: claims first, then one output walk.
   * It is also the reference the fast path is tested against.
   */
  applyWithClaims(
    resource: Record<string, unknown>,
    type: string,
    ctx: DeidContext,
  ): Record<string, unknown> {
    const claims = new Claims();
    for (const r of this.rulesFor(type)) {
      r.selector.select(resource, claims, r.index);
    }
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
    if ((method === undefined || method === 'redact') && !below) {
      return undefined;
    }
    if (method === 'keep' && !below) {
      return this.keepObject(obj, isRoot, st);
    }
    const own = st.claims.decisions.get(obj);
    let out: Record<string, unknown> | undefined;
    for (const key in obj) {
      if (isRoot && key === 'resourceType') {
        continue;
      }
      const rule = own?.get(key) ?? inherited;
      const value = this.emitValue(obj[key], key, rule, isRoot, st);
      if (value !== undefined) {
        (out ??= {})[key] = value;
      }
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
    if (value === null || value === undefined) {
      return undefined;
    }
    const method = this.method(rule);
    if (method === 'substitute') {
      return this.profile.rules[rule!]!.params.value;
    }
    if (Array.isArray(value)) {
      if ((method === undefined || method === 'redact') && !st.claims.below.has(value)) {
        return undefined;
      }
      const own = st.claims.decisions.get(value);
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        const item = this.emitValue(value[i], key, own?.get(i) ?? rule, false, st);
        if (item !== undefined) {
          out.push(item);
        }
      }
      return out.length > 0 ? out : undefined;
    }
    if (typeof value === 'object') {
      return this.emitObject(value as Record<string, unknown>, rule, false, st);
    }
    if (rule === undefined) {
      return undefined;
    }
    return this.leaf(rule, value, key, parentIsRoot, st.ctx);
  }

  private leaf(rule: number, value: unknown, key: string, parentIsRoot: boolean, ctx: DeidContext): unknown {
    const r = this.profile.rules[rule]!;
    if (parentIsRoot && key === 'id') {
      return r.method === 'redact' ? undefined : ctx.outputId;
    }
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
        if (r.params.of === 'person') {
          return ctx.person;
        }
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
    only?: KeySet,
  ): Record<string, unknown> | undefined {
    if (isRoot) {
      const out: Record<string, unknown> = {};
      for (const key in obj) {
        if (key === 'resourceType' || (only !== undefined && !only.has(key))) {
          continue;
        }
        const kept = key === 'id' ? st.ctx.outputId : this.keepValue(obj[key], key, st);
        if (kept !== undefined) {
          out[key] = kept;
        }
      }
      return out;
    }
    let out: Record<string, unknown> | undefined;
    let k = 0;
    for (const key in obj) {
      const value = obj[key];
      const kept = this.keepValue(value, key, st);
      if (kept !== value && out === undefined) {
        // First change: copy what came before, then go on building the copy.
        out = {};
        let j = 0;
        for (const before in obj) {
          if (j++ === k) {
            break;
          }
          out[before] = obj[before];
        }
      }
      if (out !== undefined && kept !== undefined) {
        out[key] = kept;
      }
      k++;
    }
    return out ?? obj;
  }

  private keepValue(value: unknown, key: string, st: EmitState): unknown {
    if (value === null || value === undefined) {
      return undefined;
    }
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const kept = this.keepValue(value[i], key, st);
        if (kept !== value[i] && out === undefined) {
          out = value.slice(0, i);
        }
        if (out !== undefined && kept !== undefined) {
          out.push(kept);
        }
      }
      return out ?? value;
    }
    if (typeof value === 'object') {
      return this.keepObject(value as Record<string, unknown>, false, st);
    }
    if (key === 'reference' && typeof value === 'string') {
      return st.ctx.rewriteReference(value);
    }
    return value;
  }
}
