/**
 * The placement guard's questions, asked of the pure sovereignty policy with this hub's facts: which
 * provider a store belongs to, whether the hub seals what it writes there, and the time now.
 * @module
 */
import type { StoreConfig } from '../core/index.js';
import {
  allowedClasses,
  evaluatePlacement,
  parseDataClass,
  type DataClass,
  type PlacementDecision,
  type Sovereignty,
  type StoreSealing,
} from '../sovereignty/index.js';

/** Hub stores are sealed client-side under the operator's keys; legacy stores hold another system's plain objects. */
export function storeSealing(config: StoreConfig): StoreSealing {
  return config.legacy ? { sealed: false, keyHolder: 'provider' } : { sealed: true, keyHolder: 'operator' };
}

export function decidePlacement(
  sovereignty: Sovereignty,
  storeName: string,
  config: StoreConfig,
  dataClass: string,
  now: Date = new Date(),
): PlacementDecision {
  return evaluatePlacement({
    provider: sovereignty.registry.get(config.provider, `stores.${storeName}.provider`),
    dataClass: parseDataClass(dataClass),
    policy: sovereignty.policy,
    store: storeSealing(config),
    now,
  });
}

export function classesAllowed(
  sovereignty: Sovereignty,
  storeName: string,
  config: StoreConfig,
  now = new Date(),
): DataClass[] {
  return allowedClasses(
    sovereignty.registry.get(config.provider, `stores.${storeName}.provider`),
    sovereignty.policy,
    storeSealing(config),
    now,
  );
}
