/**
 * The migration engine built from the hub's components, and the parsing of what `hdh migrate`
 * and `/api/migrations` both accept (STORE:prefix, phases, rates, sizes, durations).
 * @module
 */
import { CoreErrors, parseDuration, parseRate, parseSize, type StoreConfig } from '../core/index.js';
import {
  createCryptoSealer,
  createMigrationEngine,
  MigrationErrors,
  type MigrationEngine,
  type PlanReport,
  type RunOptions,
} from '../migration/index.js';
import { DATA_CLASSES, formatDecision } from '../sovereignty/index.js';
import { backendFor, type ObjectStore } from '../storage/index.js';
import type { Hub } from './hub.js';
import { decidePlacement } from './placement.js';

/** Builds the migration engine acting as `actor` (raw stores: the engine seals and checks placement). */
export async function hubMigrationEngine(hub: Hub, actor: string): Promise<MigrationEngine> {
  const configOf = (name: string): StoreConfig => hub.stores.config(name);
  const opened = new Map<string, Promise<ObjectStore>>();
  const keys = await hub.datasetKeys();
  return createMigrationEngine({
    db: hub.db,
    audit: hub.audit,
    stores: {
      // The raw backend, even for a legacy store (the hub's own is read-only): decommission deletes
      // from it once the data has left.
      open: (name) => {
        let s = opened.get(name);
        if (s === undefined) {
          const config = configOf(name);
          s = backendFor(config.type).create(name, config, {
            home: hub.home,
            env: hub.env,
            ensureContainer: false,
          });
          opened.set(name, s);
        }
        return s;
      },
      describe: (name) => {
        const config = configOf(name);
        return { name, provider: config.provider, legacy: config.legacy, kind: config.type };
      },
    },
    sealer: createCryptoSealer({ keys }),
    guard: (store, dataClass) => {
      const decision = decidePlacement(hub.sovereignty, store, configOf(store), dataClass);
      return {
        allowed: decision.allowed,
        reasons: formatDecision(decision, { store })
          .split('\n')
          .slice(1)
          .map((l) => l.trim()),
      };
    },
    signer: await hub.signer(),
    classOrder: DATA_CLASSES,
    actor,
  });
}

/** `azure:cohorts/` → store and prefix; `what` names the argument in the error. */
export function storePrefix(text: string, what: string): { store: string; prefix: string } {
  const at = text.indexOf(':');
  if (at <= 0) {
    throw CoreErrors.INPUT_INVALID(`${what} ${text} is not STORE:prefix (e.g. azure:cohorts/)`);
  }
  return { store: text.slice(0, at), prefix: text.slice(at + 1) };
}

/** `pseudonymised-health` or `2`: phases are numbered in the class order. */
export function phaseOf(text: string, what = '--phase'): number {
  const byClass = (DATA_CLASSES as readonly string[]).indexOf(text);
  if (byClass >= 0) {
    return byClass;
  }
  const n = Number(text);
  if (!/^\d+$/.test(text) || n >= DATA_CLASSES.length) {
    throw CoreErrors.INPUT_INVALID(
      `${what} ${text} is neither a data class (${DATA_CLASSES.join(', ')}) nor a phase number`,
    );
  }
  return n;
}

/** The copy limits of `run` and `sync`, as text (CLI flags, API fields). */
export interface CopySettings {
  readonly phase?: string;
  readonly workers?: string | number;
  readonly bwlimit?: string;
  readonly maxTransfer?: string;
  readonly maxDuration?: string;
}

/** How each setting is called where it came from (`--max-transfer`, `maxTransfer`). */
export type SettingNames = Readonly<Record<keyof CopySettings, string>>;

export const FLAG_NAMES: SettingNames = {
  phase: '--phase',
  workers: '--workers',
  bwlimit: '--bwlimit',
  maxTransfer: '--max-transfer',
  maxDuration: '--max-duration',
};

/** Parses the copy settings into engine options; a bad value names its setting. */
export function copyOptions(settings: CopySettings, names: SettingNames = FLAG_NAMES): RunOptions {
  const workers = settings.workers === undefined ? undefined : Number(settings.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
    throw CoreErrors.INPUT_INVALID(
      `${names.workers} ${String(settings.workers)} is not a positive whole number`,
    );
  }
  return {
    ...(settings.phase !== undefined ? { phase: phaseOf(settings.phase, names.phase) } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(settings.bwlimit !== undefined ? { bwlimit: parseRate(settings.bwlimit, names.bwlimit) } : {}),
    ...(settings.maxTransfer !== undefined
      ? { maxTransfer: parseSize(settings.maxTransfer, names.maxTransfer) }
      : {}),
    ...(settings.maxDuration !== undefined
      ? { maxDuration: parseDuration(settings.maxDuration, names.maxDuration) }
      : {}),
  };
}

/** A refused plan as the error both the CLI and the API answer with (the plan stays in the journal). */
export function planRefusal(report: PlanReport): Error | undefined {
  if (report.state !== 'refused') {
    return undefined;
  }
  const unclassified = report.blocked.find((b) => b.code === 'MIGRATION_CLASS_UNKNOWN');
  return report.refused.length > 0
    ? MigrationErrors.MIGRATION_PLACEMENT_REFUSED(
        `${report.destination.store} may not hold ${report.refused.map((r) => r.class).join(', ')}: the plan is refused`,
        { details: { refused: report.refused } },
      )
    : MigrationErrors.MIGRATION_CLASS_UNKNOWN(
        `${unclassified?.objects ?? 0} objects have no data class: give a class map or a default class (--class-map, --default-class; classMap, defaultClass over the API)`,
        { details: { objects: unclassified?.objects ?? 0, examples: unclassified?.examples ?? [] } },
      );
}
