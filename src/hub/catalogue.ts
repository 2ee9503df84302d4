/**
 * The catalogue as signed-in people and machines read it, through the one authorisation function:
 * listing and search, a dataset's description with its versions, tables, columns and lineage, and the
 * HealthDCAT-AP export. Where the sealed objects lie (store, object key, key id) is the hub's business
 * and is left out; row-level data is never reachable here.
 * @module
 */
import { decodeCursor, pageLimit, type Access, type Principal } from '../access/index.js';
import { CoreErrors } from '../core/index.js';
import {
  exportHealthDcat,
  isDatasetName,
  type Catalog,
  type DatasetMetadata,
  type DatasetVersion,
  type ListQuery,
  type QuarantineRegister,
} from '../catalog/index.js';

export interface DatasetSummary {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly publisher: string;
  readonly dataClass: string;
  readonly themes: string[];
  readonly keywords: string[];
  readonly temporal?: { readonly start: string; readonly end: string };
  readonly spatial?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly currentVersion?: number;
}

export interface TableView {
  readonly name: string;
  readonly description?: string;
  readonly rows: number;
  readonly bytes: number;
  readonly columns: { readonly name: string; readonly type: string; readonly description: string }[];
}

export interface VersionView {
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly profile: { readonly name: string; readonly version: string };
  readonly persons: number;
}

export interface DatasetView extends DatasetSummary {
  readonly versions: VersionView[];
  /** The current version in full: tables with their columns, counts and where it came from. */
  readonly current?: VersionView & {
    readonly tables: TableView[];
    readonly lineage: {
      readonly inputs: { readonly fileName: string; readonly sha256: string; readonly bytes: number }[];
      readonly summary: DatasetVersion['summary'];
    };
  };
  /** Quarantined records per status, for those who may read the quarantine (operator, producers). */
  readonly quarantine?: Record<string, number>;
}

export interface CatalogueOptions {
  /** Base address dataset identifiers are minted under in the DCAT export. */
  readonly baseUrl: string;
  /** The Health Data Access Body publishing the catalogue. */
  readonly publisher: string;
  /** The quarantine register, whose counts a dataset shows to those allowed `quarantine.read`. */
  readonly quarantine?: Pick<QuarantineRegister, 'counts'>;
}

export class CatalogueView {
  readonly #catalog: Catalog;
  readonly #access: Pick<Access, 'authorizer'>;
  readonly #options: CatalogueOptions;

  constructor(catalog: Catalog, access: Pick<Access, 'authorizer'>, options: CatalogueOptions) {
    this.#catalog = catalog;
    this.#access = access;
    this.#options = options;
  }

  /** Datasets in name order; `q` matches words in the name, title, description, keywords and themes. */
  async list(
    principal: Principal,
    query: Omit<ListQuery, 'limit'> & { readonly limit?: number } = {},
  ): Promise<{ items: DatasetSummary[]; nextCursor?: string }> {
    await this.#access.authorizer.enforce(principal, 'dataset.read-metadata', {
      type: 'collection',
      of: 'datasets',
    });
    const limit = pageLimit(query);
    // The cursor names the last dataset of the previous page: anything else was not made by this list
    // (and a NUL byte in it would be refused by PostgreSQL as a server error).
    const after = decodeCursor(query.cursor);
    if (after !== undefined && !isDatasetName(after)) {
      throw CoreErrors.INPUT_INVALID(`cursor "${query.cursor}" was not returned by this list`);
    }
    const page = await this.#catalog.list({ ...query, limit });
    return {
      items: page.items.map(summary),
      ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    };
  }

  async get(principal: Principal, name: string): Promise<DatasetView> {
    await this.#access.authorizer.enforce(principal, 'dataset.read-metadata', { type: 'dataset', name });
    const detail = await this.#catalog.detail(name);
    const current = detail.current;
    const quarantine = await this.#quarantineCounts(principal, name);
    return {
      ...summary(detail),
      versions: detail.versions.map(version),
      ...(current === undefined
        ? {}
        : {
            current: {
              ...version(current),
              tables: current.tables.map((t) => ({
                name: t.name,
                ...(t.description === undefined ? {} : { description: t.description }),
                rows: t.rows,
                bytes: t.bytes,
                columns: t.columns.map((c) => ({ name: c.name, type: c.type, description: c.description })),
              })),
              lineage: {
                inputs: current.inputs.map((i) => ({
                  fileName: i.fileName,
                  sha256: i.sha256,
                  bytes: i.bytes,
                })),
                summary: current.summary,
              },
            },
          }),
      ...(quarantine === undefined ? {} : { quarantine }),
    };
  }

  /** Counts only: the register's entries and contents are behind the quarantine routes. */
  async #quarantineCounts(principal: Principal, name: string): Promise<Record<string, number> | undefined> {
    const register = this.#options.quarantine;
    if (register === undefined) {
      return undefined;
    }
    const decision = await this.#access.authorizer.authorize(principal, 'quarantine.read', {
      type: 'dataset',
      name,
    });
    return decision.allowed ? register.counts(name) : undefined;
  }

  /** The whole catalogue as HealthDCAT-AP JSON-LD. */
  async dcat(principal: Principal): Promise<Record<string, unknown>> {
    await this.#access.authorizer.enforce(principal, 'dataset.read-metadata', {
      type: 'collection',
      of: 'datasets',
    });
    return exportHealthDcat(this.#catalog, this.#options);
  }
}

function summary(meta: DatasetMetadata): DatasetSummary {
  return {
    name: meta.name,
    title: meta.title,
    description: meta.description,
    publisher: meta.publisher,
    dataClass: meta.dataClass,
    themes: [...meta.themes],
    keywords: [...meta.keywords],
    ...(meta.temporal === undefined ? {} : { temporal: meta.temporal }),
    ...(meta.spatial === undefined ? {} : { spatial: meta.spatial }),
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
    ...(meta.currentVersion === undefined ? {} : { currentVersion: meta.currentVersion }),
  };
}

function version(
  v: Pick<DatasetVersion, 'version' | 'createdAt' | 'createdBy' | 'profile' | 'persons'>,
): VersionView {
  return {
    version: v.version,
    createdAt: v.createdAt,
    createdBy: v.createdBy,
    profile: { name: v.profile.name, version: v.profile.version },
    persons: v.persons,
  };
}
