/**
 * The catalogue as the access concept sees it: a dataset's published versions and the tables and
 * columns of its newest one, which applications are checked against and permits pin.
 * @module
 */
import type { DatasetDirectory, DatasetEntry } from '../access/index.js';
import type { Catalog } from '../catalog/index.js';

export function catalogDirectory(catalog: Catalog): DatasetDirectory {
  return {
    get: async (name): Promise<DatasetEntry | undefined> => {
      if (!(await catalog.exists(name))) {
        return undefined;
      }
      const detail = await catalog.detail(name);
      return {
        name,
        // Catalogue versions are numbers; permits name them as text ("3").
        versions: detail.versions.map((v) => String(v.version)),
        tables: (detail.current?.tables ?? []).map((t) => ({
          name: t.name,
          columns: t.columns.map((c) => c.name),
        })),
      };
    },
  };
}
