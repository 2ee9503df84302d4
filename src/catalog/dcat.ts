/**
 * HealthDCAT-AP export: the whole catalogue as JSON-LD, the form national catalogues federate into
 * HealthData@EU (EHDS Art. 77). Distributions describe the tables (format, size, columns) but offer
 * no download address: access to the data goes through a permit, never through the catalogue.
 * @module
 */
import type { Catalog } from './catalog.js';
import type { DatasetMetadata, DatasetVersion } from './types.js';

export const DCAT_CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  dcatap: 'http://data.europa.eu/r5r/',
  healthdcatap: 'http://healthdataportal.eu/ns/health#',
  foaf: 'http://xmlns.com/foaf/0.1/',
  csvw: 'http://www.w3.org/ns/csvw#',
  prov: 'http://www.w3.org/ns/prov#',
  owl: 'http://www.w3.org/2002/07/owl#',
  spdx: 'http://spdx.org/rdf/terms#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
} as const;

const EU = 'http://publications.europa.eu/resource/authority';
const EHDS_REGULATION = 'http://data.europa.eu/eli/reg/2025/327/oj';

export interface DcatOptions {
  /** Base address under which dataset identifiers are minted, e.g. https://hub.example.org. */
  readonly baseUrl: string;
  /** The Health Data Access Body publishing the catalogue. */
  readonly publisher: string;
  readonly title?: string;
}

type Json = Record<string, unknown>;

export async function exportHealthDcat(catalog: Catalog, options: DcatOptions): Promise<Json> {
  const base = options.baseUrl.replace(/\/$/, '');
  const datasets: Json[] = [];
  for await (const meta of catalog.all()) {
    const current = meta.currentVersion !== undefined ? await catalog.version(meta.name) : undefined;
    datasets.push(datasetNode(base, options, meta, current));
  }
  return {
    '@context': DCAT_CONTEXT,
    '@id': `${base}/catalog`,
    '@type': 'dcat:Catalog',
    'dct:title': options.title ?? `${options.publisher} health data catalogue`,
    'dct:publisher': agent(options.publisher),
    'dcatap:applicableLegislation': { '@id': EHDS_REGULATION },
    'dct:modified': typed(new Date().toISOString(), 'xsd:dateTime'),
    'dcat:dataset': datasets,
  };
}

function datasetNode(
  base: string,
  options: DcatOptions,
  meta: DatasetMetadata,
  current: DatasetVersion | undefined,
): Json {
  const id = `${base}/datasets/${encodeURIComponent(meta.name)}`;
  const records = current?.tables.reduce((n, t) => n + t.rows, 0);
  return {
    '@id': id,
    '@type': 'dcat:Dataset',
    'dct:identifier': meta.name,
    'dct:title': meta.title,
    'dct:description': meta.description,
    'dct:publisher': agent(meta.publisher || options.publisher),
    'healthdcatap:hdab': agent(options.publisher),
    'dcat:theme': { '@id': `${EU}/data-theme/HEAL` },
    'healthdcatap:healthTheme': meta.themes,
    'dcat:keyword': meta.keywords,
    'dct:accessRights': {
      '@id': `${EU}/access-right/${meta.dataClass === 'public' ? 'PUBLIC' : 'NON_PUBLIC'}`,
    },
    'dcatap:applicableLegislation': { '@id': EHDS_REGULATION },
    'dct:type': meta.dataClass,
    'dct:issued': typed(meta.createdAt, 'xsd:dateTime'),
    'dct:modified': typed(meta.updatedAt, 'xsd:dateTime'),
    ...(meta.temporal
      ? {
          'dct:temporal': {
            '@type': 'dct:PeriodOfTime',
            'dcat:startDate': typed(meta.temporal.start, 'xsd:date'),
            'dcat:endDate': typed(meta.temporal.end, 'xsd:date'),
          },
        }
      : {}),
    ...(meta.spatial ? { 'dct:spatial': spatialNode(meta.spatial) } : {}),
    ...(current
      ? {
          'owl:versionInfo': String(current.version),
          'healthdcatap:numberOfRecords': typed(String(records ?? 0), 'xsd:nonNegativeInteger'),
          'healthdcatap:numberOfUniqueIndividuals': typed(String(current.persons), 'xsd:nonNegativeInteger'),
          'dcat:distribution': current.tables.map((t) => ({
            '@id': `${id}/v${current.version}/${encodeURIComponent(t.name)}`,
            '@type': 'dcat:Distribution',
            'dct:title': t.name,
            ...(t.description ? { 'dct:description': t.description } : {}),
            'dct:format': { '@id': `${EU}/file-type/PARQUET` },
            'dcat:byteSize': typed(String(t.bytes), 'xsd:nonNegativeInteger'),
            'healthdcatap:numberOfRecords': typed(String(t.rows), 'xsd:nonNegativeInteger'),
            'dct:rights':
              'Available only inside the secure processing environment, under a data permit (EHDS Art. 68, 73).',
            'csvw:tableSchema': {
              'csvw:column': t.columns.map((c) => ({
                'csvw:name': c.name,
                'csvw:datatype': c.type,
                'dct:description': c.description,
              })),
            },
          })),
          'prov:wasGeneratedBy': {
            '@type': 'prov:Activity',
            'dct:description': `ingested with pseudonymisation profile ${current.profile.name} ${current.profile.version}`,
            'prov:endedAtTime': typed(current.createdAt, 'xsd:dateTime'),
            'prov:used': current.inputs.map((i) => ({
              '@type': 'prov:Entity',
              'dct:title': i.fileName,
              'spdx:checksum': {
                'spdx:algorithm': { '@id': 'http://spdx.org/rdf/terms#checksumAlgorithm_sha256' },
                'spdx:checksumValue': i.sha256,
              },
            })),
          },
        }
      : {}),
  };
}

function agent(name: string): Json {
  return { '@type': 'foaf:Agent', 'foaf:name': name };
}

function typed(value: string, type: string): Json {
  return { '@value': value, '@type': type };
}

function spatialNode(spatial: string): Json {
  // ISO 3166-1 alpha-3 country codes map onto the EU country authority table; anything else stays text.
  return /^[A-Z]{3}$/.test(spatial)
    ? { '@id': `${EU}/country/${spatial}` }
    : { '@type': 'dct:Location', 'dct:title': spatial };
}
