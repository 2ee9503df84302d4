/**
 * The catalogue as signed-in people and machines read it, through the one authorisation function:
 * listing and search, a dataset's description with its versions, tables, columns and lineage, and the
 * HealthDCAT-AP export. Where the sealed objects lie (store, object key, key id) is the hub's business
 * and is left out; row-level data is never reachable here.
 * @module
 */
import { decodeCursor, pageLimit, type Access, type Principal } from '../access/index.js';
import {
  exportHealthDcat,
  isDatasetName,
  type Catalog,
  type DatasetDetail,
  type DatasetMetadata,
  type DatasetVersion,
  type ListQuery,
} from '../catalog/index.js';
import { CoreErrors, GenerationMemo } from '../core/index.js';

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

/** A version in full: tables with their columns, counts and where it came from. */
export interface VersionDetailView extends VersionView {
  readonly tables: TableView[];
  readonly lineage: {
    readonly inputs: { readonly fileName: string; readonly sha256: string; readonly bytes: number }[];
    readonly summary: DatasetVersion['summary'];
  };
}

export interface DatasetView extends DatasetSummary {
  readonly versions: VersionView[];
  /** The current version in full. */
  readonly current?: VersionDetailView;
}

export interface CatalogueOptions {
  /** Base address dataset identifiers are minted under in the DCAT export. */
  readonly baseUrl: string;
  /** The Health Data Access Body publishing the catalogue. */
  readonly publisher: string;
}

/**
 * Bounds on what one hub process keeps of the catalogue: a page holds up to 200 datasets (about 70 kB
 * of JSON, kept as objects and as bytes: some 15 MB for 64 such pages), a description a few kB per
 * table. Search words and cursors come from requests: the bound, not the traffic, limits the memory.
 */
const MEMO_PAGES = 64;
const MEMO_DATASETS = 128;

export interface CataloguePage {
  readonly items: DatasetSummary[];
  readonly nextCursor?: string;
}

/**
 * Pages and descriptions are served from memory while the catalogue's generation (one primary-key read
 * per request) is unchanged, so a change made through any hub process sharing the database is seen on
 * the next request. What is kept is the same for every principal: who may read it is decided on every
 * request, before the memory is looked at. Values handed out are frozen and shared.
 */
export class CatalogueView {
  readonly #catalog: Catalog;
  readonly #access: Pick<Access, 'authorizer'>;
  readonly #options: CatalogueOptions;
  readonly #pages = new GenerationMemo<CataloguePage>(MEMO_PAGES);
  readonly #datasets = new GenerationMemo<DatasetView>(MEMO_DATASETS);

  constructor(catalog: Catalog, access: Pick<Access, 'authorizer'>, options: CatalogueOptions) {
    this.#catalog = catalog;
    this.#access = access;
    this.#options = options;
  }

  /**
   * Datasets in name order; `q` matches words in the name, title, description, keywords and themes.
   * `generation`: the catalogue's, if the caller has just read it (db/generations.ts); else read here.
   */
  async list(principal: Principal, query: PageQuery = {}, generation?: number): Promise<CataloguePage> {
    await this.#access.authorizer.enforce(principal, 'dataset.read-metadata', DATASETS);
    const { limit, key } = pageKey(query);
    const current = generation ?? (await this.#catalog.generation());
    const kept = this.#pages.get(current, key);
    if (kept !== undefined) {
      return kept;
    }
    const { q, theme, dataClass, cursor } = query;
    const page = await this.#catalog.list({
      limit,
      ...(q === undefined ? {} : { q }),
      ...(theme === undefined ? {} : { theme }),
      ...(dataClass === undefined ? {} : { dataClass }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    return this.#pages.set(current, key, {
      items: page.items.map(summary),
      ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    });
  }

  /**
   * {@link list}, answered at once when the principal's access needs no database read and the page is
   * kept under `generation`; otherwise undefined, and the caller awaits `list`. The same checks run.
   */
  listKept(principal: Principal, query: PageQuery, generation: number): CataloguePage | undefined {
    if (this.#access.authorizer.allowedNow(principal, 'dataset.read-metadata', DATASETS) === undefined) {
      return undefined;
    }
    return this.#pages.get(generation, pageKey(query).key);
  }

  /** A dataset's description; `generation` as for {@link list}. */
  async get(principal: Principal, name: string, generation?: number): Promise<DatasetView> {
    await this.#access.authorizer.enforce(principal, 'dataset.read-metadata', { type: 'dataset', name });
    const current = generation ?? (await this.#catalog.generation());
    const kept = this.#datasets.get(current, name);
    if (kept !== undefined) {
      return kept;
    }
    // A name not in the catalogue throws here and is not kept: names come from requests.
    return this.#datasets.set(current, name, view(await this.#catalog.detail(name)));
  }

  /** {@link get} at once, as {@link listKept} is {@link list}. */
  getKept(principal: Principal, name: string, generation: number): DatasetView | undefined {
    const resource = { type: 'dataset', name } as const;
    if (this.#access.authorizer.allowedNow(principal, 'dataset.read-metadata', resource) === undefined) {
      return undefined;
    }
    return this.#datasets.get(generation, name);
  }

  /** Any version of a dataset in full, as `hdh datasets show NAME --version N` shows it. */
  async version(principal: Principal, name: string, number: number): Promise<VersionDetailView> {
    await this.#access.authorizer.enforce(principal, 'dataset.read-metadata', { type: 'dataset', name });
    return versionDetail(await this.#catalog.version(name, number));
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

type PageQuery = Omit<ListQuery, 'limit'> & { readonly limit?: number };

const DATASETS = { type: 'collection', of: 'datasets' } as const;

/**
 * What a page is kept under. The cursor names the last dataset of the previous page: anything else
 * was not made by this list (and a NUL byte in it would be refused by PostgreSQL as a server error).
 */
function pageKey(query: PageQuery): { readonly limit: number; readonly key: string } {
  const limit = pageLimit(query);
  const after = decodeCursor(query.cursor);
  if (after !== undefined && !isDatasetName(after)) {
    throw CoreErrors.INPUT_INVALID(`cursor "${query.cursor}" was not returned by this list`);
  }
  const { q, theme, dataClass, cursor } = query;
  return { limit, key: JSON.stringify([q, theme, dataClass, cursor, limit]) };
}

function view(detail: DatasetDetail): DatasetView {
  const current = detail.current;
  return {
    ...summary(detail),
    versions: detail.versions.map(version),
    ...(current === undefined ? {} : { current: versionDetail(current) }),
  };
}

function versionDetail(v: DatasetVersion): VersionDetailView {
  return {
    ...version(v),
    tables: v.tables.map((t) => ({
      name: t.name,
      ...(t.description === undefined ? {} : { description: t.description }),
      rows: t.rows,
      bytes: t.bytes,
      columns: t.columns.map((c) => ({ name: c.name, type: c.type, description: c.description })),
    })),
    lineage: {
      inputs: v.inputs.map((i) => ({ fileName: i.fileName, sha256: i.sha256, bytes: i.bytes })),
      summary: v.summary,
    },
  };
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
