/**
 * The catalogue: datasets with metadata, versions, tables and lineage; search; HealthDCAT-AP
 * export; and the register of quarantined records.
 * @module
 */
export { Catalog, assertDatasetName, isDatasetName, type ListQuery, type Page } from './catalog.js';
export {
  QuarantineRegister,
  type QuarantineEntry,
  type QuarantineStatus,
  type NewQuarantineEntry,
} from './quarantine.js';
export { exportHealthDcat, DCAT_CONTEXT, type DcatOptions } from './dcat.js';
export { CatalogErrors } from './errors.js';
export type * from './types.js';
