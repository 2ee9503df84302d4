/**
 * Checks what an application asks for against the dataset directory, and what a reviewer approves
 * against what was asked.
 * @module
 */
import type { DatasetDirectory } from '../datasets.js';
import { AccessErrors } from '../errors.js';
import type { PermitDataset, RequestedDataset } from '../scope.js';

const MAX_DATASETS = 100;

/** Every dataset, version, table and column must exist; nothing may be named twice. */
export async function checkRequested(
  directory: DatasetDirectory,
  requested: readonly RequestedDataset[],
): Promise<void> {
  if (requested.length > MAX_DATASETS) {
    throw AccessErrors.APPLICATION_INVALID(`an application may name at most ${MAX_DATASETS} datasets`);
  }
  const seen = new Set<string>();
  for (const item of requested) {
    if (seen.has(item.dataset)) {
      throw AccessErrors.APPLICATION_INVALID(`dataset ${item.dataset} is named twice`);
    }
    seen.add(item.dataset);
    const entry = await directory.get(item.dataset);
    if (entry === undefined) {
      throw AccessErrors.APPLICATION_INVALID(`dataset ${item.dataset} does not exist`);
    }
    if (item.version !== undefined && !entry.versions.includes(item.version)) {
      throw AccessErrors.APPLICATION_INVALID(
        `dataset ${item.dataset} has no version ${item.version} (versions: ${entry.versions.join(', ') || 'none'})`,
      );
    }
    if (item.tables.length === 0) {
      throw AccessErrors.APPLICATION_INVALID(`dataset ${item.dataset}: name at least one table`);
    }
    const tables = new Set<string>();
    for (const table of item.tables) {
      if (tables.has(table.name)) {
        throw AccessErrors.APPLICATION_INVALID(`table ${item.dataset}.${table.name} is named twice`);
      }
      tables.add(table.name);
      const known = entry.tables.find((t) => t.name === table.name);
      if (known === undefined) {
        throw AccessErrors.APPLICATION_INVALID(`dataset ${item.dataset} has no table ${table.name}`);
      }
      if (table.columns.length === 0) {
        throw AccessErrors.APPLICATION_INVALID(
          `table ${item.dataset}.${table.name}: name at least one column`,
        );
      }
      const columns = new Set<string>();
      for (const column of table.columns) {
        if (columns.has(column)) {
          throw AccessErrors.APPLICATION_INVALID(
            `column ${item.dataset}.${table.name}.${column} is named twice`,
          );
        }
        columns.add(column);
        if (!known.columns.includes(column)) {
          throw AccessErrors.APPLICATION_INVALID(
            `table ${item.dataset}.${table.name} has no column ${column}`,
          );
        }
      }
    }
  }
}

/**
 * The permit scope: the approved part of the request (all of it by default), each dataset pinned to
 * the version asked for or else the newest one published now.
 */
export async function pinScope(
  directory: DatasetDirectory,
  requested: readonly RequestedDataset[],
  approved: readonly RequestedDataset[] | undefined,
): Promise<PermitDataset[]> {
  const chosen = approved ?? requested;
  if (chosen.length === 0) {
    throw AccessErrors.APPLICATION_INVALID('the permit scope names no dataset');
  }
  const scope: PermitDataset[] = [];
  for (const item of chosen) {
    const asked = requested.find((r) => r.dataset === item.dataset);
    if (asked === undefined) {
      throw AccessErrors.APPLICATION_INVALID(
        `dataset ${item.dataset} was not requested and cannot be granted`,
      );
    }
    for (const table of item.tables) {
      const askedTable = asked.tables.find((t) => t.name === table.name);
      const extra = table.columns.filter((c) => !askedTable?.columns.includes(c));
      if (askedTable === undefined || extra.length > 0) {
        throw AccessErrors.APPLICATION_INVALID(
          askedTable === undefined
            ? `table ${item.dataset}.${table.name} was not requested and cannot be granted`
            : `columns ${extra.map((c) => `${table.name}.${c}`).join(', ')} were not requested and cannot be granted`,
        );
      }
    }
    const entry = await directory.get(item.dataset);
    const version = item.version ?? asked.version ?? entry?.versions.at(-1);
    if (entry === undefined || version === undefined) {
      throw AccessErrors.APPLICATION_INVALID(`dataset ${item.dataset} has no published version to grant`);
    }
    if (asked.version !== undefined && version !== asked.version) {
      throw AccessErrors.APPLICATION_INVALID(
        `dataset ${item.dataset} was requested at version ${asked.version}, not ${version}`,
      );
    }
    scope.push({
      dataset: item.dataset,
      version,
      tables: item.tables.map((t) => ({ name: t.name, columns: [...t.columns] })),
    });
  }
  await checkRequested(directory, scope);
  return scope;
}
