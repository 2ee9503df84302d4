/**
 * The ingestion engine: inputs in, quarantine records and Parquet tables out.
 *
 * Two passes over the FHIR inputs, both streaming:
 * 1. index — every Patient is validated and given its person pseudonym, so references can be checked
 *    and records linked to their person whatever the order of files and lines;
 * 2. ingest — every record is validated, quarantined with its reason or pseudonymised by the profile
 *    and written to the analytic tables; each input's SHA-256 is computed on the way.
 * CSV files need no index (the person identifier is in the row) and are read once, in pass 2.
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { CoreErrors, toHdhError } from '../core/index.js';
import { codeSystemRules, type CodeSystemIndex, type CodeSystemRule } from './code-systems.js';
import { CsvTablePlan } from './csv-rows.js';
import { schemaForCsv, type CsvSchema } from './csv-schema.js';
import { FhirDeidentifier } from './deidentify.js';
import { IngestErrors, type QuarantineCode } from './errors.js';
import { elementInfo } from './fhir-model.js';
import { nirProblem, normalizeNir } from './identifiers.js';
import { LruCache, PseudonymKeys, type HmacFunction } from './keys.js';
import { OmopMapper } from './omop-mapping.js';
import { PersonIndex, referenceKey } from './person-index.js';
import type { Profile } from './profile.js';
import { readCsv, type CsvRow } from './readers/csv-reader.js';
import { expandInputs, openInput, type InputFile, type InputKind } from './readers/input-files.js';
import { scanJson } from './readers/json-scanner.js';
import { findNdjsonLines, readNdjson } from './readers/ndjson-reader.js';
import type { RawRecord } from './readers/raw-record.js';
import { TableWriter, type IngestTable } from './table-writer.js';
import { ANALYTIC_TABLES } from './tables.js';
import { IN_DEPTH_TYPES, isPlainObject, validateResource, type Issue } from './validate.js';

/** Where a record came from. */
export interface RecordOrigin {
  readonly file: string;
  /** 1-based line where the record starts. */
  readonly line: number;
  /** 0-based index of the entry, for Bundle entries. */
  readonly entry?: number;
  readonly format: 'fhir' | 'csv';
  /** For CSV records: the schema name, and the file's header row (needed to re-ingest the row). */
  readonly csvSchema?: string;
  readonly csvHeader?: string;
}

/** A record set aside: sealed by the hub with the class identifying-health (it may hold identifiers). */
export interface QuarantineRecord {
  readonly code: QuarantineCode;
  /** The first problem, naming the element path (or CSV column). */
  readonly message: string;
  readonly path: string;
  /** Every problem found (up to 20), the first being `code`/`message`. */
  readonly issues: readonly Issue[];
  readonly origin: RecordOrigin;
  /** The key the record is counted under in the summary (resource type, or `csv:<table>`). */
  readonly recordType: string;
  /** The original bytes of the record (only the first bytes when `truncated`). */
  readonly content: Uint8Array;
  readonly truncated: boolean;
}

export interface TypeCounts {
  read: number;
  accepted: number;
  quarantined: number;
}

export interface IngestSummary {
  read: number;
  accepted: number;
  quarantined: number;
  /** Per resource type (`(unknown)` when a record has none; `csv:<table>` for CSV rows). */
  byType: Record<string, TypeCounts>;
  quarantineByCode: Record<string, number>;
}

export interface IngestInput {
  readonly path: string;
  readonly kind: InputKind;
  readonly sha256: string;
  /** Bytes as stored (compressed size for .gz files). */
  readonly bytes: number;
}

export interface IngestResult {
  readonly summary: IngestSummary;
  readonly tables: readonly IngestTable[];
  readonly inputs: readonly IngestInput[];
  readonly profile: { readonly name: string; readonly version: string; readonly digest: string };
  readonly keyId: string;
  /**
   * Distinct persons over this ingest's person_ref table and the `personRefs` given: the persons of
   * the dataset once this ingest is recorded on top of them.
   */
  readonly persons: number;
}

export interface IngestProgress {
  readonly phase: 'index' | 'ingest';
  readonly file: string;
  readonly fileBytes: number;
  readonly bytesRead: number;
  /** Records read so far in pass 2. */
  readonly records: number;
}

export interface IngestOptions {
  /** Files or directories (read recursively): .ndjson/.jsonl, .json (resource or Bundle), .csv; optionally .gz. */
  readonly inputs: readonly string[];
  /** Where the Parquet tables are written (created if needed; one work directory per ingest). */
  readonly workDir: string;
  readonly profile: Profile;
  /** HMAC-SHA256 under the provider's pseudonym key (KeyProvider.hmac). */
  readonly hmac: HmacFunction;
  /** Name of the pseudonym key given to `hmac` (default `pseudonym`). */
  readonly keyName?: string;
  /** Id of that key, recorded in the result. */
  readonly keyId: string;
  /** Receives every record set aside; awaited before the next record. */
  readonly onQuarantine: (record: QuarantineRecord) => Promise<void>;
  readonly signal?: AbortSignal;
  /**
   * Names the data source (e.g. the dataset): it scopes resource-id pseudonyms and the pseudonyms of
   * Patients without INS, so equal ids from different sources do not collide. Default ''.
   */
  readonly source?: string;
  /** Schemas for CSV inputs without a sidecar schema file. */
  readonly csvSchemas?: readonly CsvSchema[];
  /** person_ref Parquet files of earlier ingests: their Patients resolve references of this one. */
  readonly personRefs?: readonly string[];
  /** Extra code systems to check (they win over the defaults for the systems they list). */
  readonly codeSystems?: readonly CodeSystemRule[];
  /** Check SNOMED CT identifiers' Verhoeff digit (off by default). */
  readonly snomedVerhoeff?: boolean;
  /** Largest record accepted, in bytes (default 64 MiB); larger ones are quarantined. */
  readonly maxRecordBytes?: number;
  /** Person pseudonyms kept in the LRU cache (default 100,000). */
  readonly pseudonymCacheSize?: number;
  /** DuckDB memory limit for staging (default 256MB). */
  readonly duckdbMemoryLimit?: string;
  readonly onProgress?: (progress: IngestProgress) => void;
}

/** A corrected record to ingest again (see {@link reingestRecord}). */
export interface ReingestOptions extends Omit<IngestOptions, 'inputs'> {
  /** The corrected record: a FHIR resource or Bundle entry (JSON), or one CSV row. */
  readonly content: Uint8Array | string;
  /** Where the record was first met (from its quarantine record); for CSV, origin.csvSchema names the schema. */
  readonly origin: RecordOrigin;
}

const PATIENT_MARK = Buffer.from('"Patient"');
const UNKNOWN = '(unknown)';

/** For the ten in-depth types: the element naming the Patient the record is about. */
const PERSON_REFERENCE: Readonly<Record<string, string>> = {
  Encounter: 'subject',
  Condition: 'subject',
  Observation: 'subject',
  MedicationRequest: 'subject',
  MedicationStatement: 'subject',
  Procedure: 'subject',
  Immunization: 'patient',
  AllergyIntolerance: 'patient',
  DiagnosticReport: 'subject',
};

interface ResourceCandidate {
  readonly resource: unknown;
  readonly fullUrl: string | undefined;
  readonly raw: RawRecord;
  /** Entry index, for a Bundle unpacked in memory (streamed entries carry theirs in `raw`). */
  readonly entry: number | undefined;
  readonly bytes: Buffer;
}

/** The file being read, as records refer to it. */
interface SourceFile {
  readonly path: string;
  /** Position among the inputs: identifies the file in keys. */
  readonly index: number;
}

type PersonKey = { readonly nir: string } | { readonly local: true } | { readonly issue: Issue };

/** Reads a resourceType out of bytes that do not parse, for the summary. */
function sniffType(bytes: Buffer): string {
  const m = /"resourceType"\s*:\s*"([A-Za-z]{1,64})"/.exec(bytes.subarray(0, 4096).toString('utf8'));
  return m ? m[1]! : UNKNOWN;
}

/**
 * Why a raw record cannot be read. A module function, not a closure in `candidates`: that would be
 * created (and, under tsx, named) for every record, though records rarely fail.
 */
function unreadable(
  raw: RawRecord,
  code: QuarantineCode,
  message: string,
  type = sniffType(raw.bytes),
): { type: string; issue: Issue } {
  return { type, issue: { code, path: '(record)', message } };
}

/** One ingest: state shared by both passes. */
class IngestRun {
  readonly summary: IngestSummary = {
    read: 0,
    accepted: 0,
    quarantined: 0,
    byType: {},
    quarantineByCode: {},
  };
  readonly index = new PersonIndex();
  private readonly deid: FhirDeidentifier;
  private readonly mapper: OmopMapper;
  private readonly source: string;
  private readonly maxRecordBytes: number;
  /** Persons whose person (and death) rows are written: two sources may both hold a Patient for them. */
  private readonly personsWritten = new Set<string>();
  /** True while reading a .json file (whose top-level Bundles are containers, not resources). */
  wholeBundles = false;

  constructor(
    private readonly options: Omit<IngestOptions, 'inputs'>,
    private readonly keys: PseudonymKeys,
    private readonly codes: CodeSystemIndex,
    private readonly writer: TableWriter,
  ) {
    this.deid = new FhirDeidentifier(options.profile);
    this.mapper = new OmopMapper(codes);
    this.source = options.source ?? '';
    this.maxRecordBytes = options.maxRecordBytes ?? 64 * 1024 * 1024;
  }

  get recordLimit(): number {
    return this.maxRecordBytes;
  }

  private counts(type: string): TypeCounts {
    let c = this.summary.byType[type];
    if (c === undefined) {
      c = { read: 0, accepted: 0, quarantined: 0 };
      this.summary.byType[type] = c;
    }
    return c;
  }

  private accept(type: string): void {
    const c = this.counts(type);
    c.read++;
    c.accepted++;
    this.summary.read++;
    this.summary.accepted++;
  }

  private async quarantine(
    type: string,
    issues: readonly Issue[],
    origin: RecordOrigin,
    bytes: Uint8Array,
    truncated = false,
  ): Promise<void> {
    const first = issues[0]!;
    const c = this.counts(type);
    c.read++;
    c.quarantined++;
    this.summary.read++;
    this.summary.quarantined++;
    this.summary.quarantineByCode[first.code] = (this.summary.quarantineByCode[first.code] ?? 0) + 1;
    await this.options.onQuarantine({
      code: first.code,
      message: first.message,
      path: first.path,
      issues,
      origin,
      recordType: type,
      // A copy: the bytes may be a view of a read buffer that is about to be reused.
      content: Buffer.from(bytes),
      truncated,
    });
  }

  // ---- Raw records -> resources ------------------------------------------------------------

  /**
   * Turns a raw record into the resources it holds (a Bundle read whole yields its entries), or into
   * the reason it cannot be read. Entries without a resource (e.g. DELETE requests) are not records.
   * Synchronous: most records need no await at all.
   */
  private candidates(raw: RawRecord): ResourceCandidate[] | { type: string; issue: Issue } {
    if (raw.tooLarge) {
      return unreadable(raw, 'INGEST_RECORD_TOO_LARGE', `the record exceeds ${this.maxRecordBytes} bytes`);
    }
    if (raw.kind === 'garbage') {
      return unreadable(raw, 'INGEST_INVALID_JSON', 'bytes between JSON values that are not JSON');
    }
    if (raw.kind === 'truncated') {
      return unreadable(
        raw,
        'INGEST_INVALID_JSON',
        'the file ends inside this value (truncated file?)',
        raw.resourceType ?? sniffType(raw.bytes),
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.bytes.toString('utf8'));
    } catch (err) {
      return unreadable(raw, 'INGEST_INVALID_JSON', `invalid JSON: ${(err as Error).message}`);
    }
    const asEntry =
      raw.kind === 'entry' ||
      (isPlainObject(parsed) && parsed['resourceType'] === undefined && isPlainObject(parsed['resource']));
    if (asEntry) {
      if (!isPlainObject(parsed)) {
        return unreadable(raw, 'INGEST_NOT_A_RESOURCE', 'a Bundle entry must be a JSON object');
      }
      if (parsed['resource'] === undefined) {
        return [];
      }
      const fullUrl = typeof parsed['fullUrl'] === 'string' ? parsed['fullUrl'] : undefined;
      return [{ resource: parsed['resource'], fullUrl, raw, entry: undefined, bytes: raw.bytes }];
    }
    if (
      this.wholeBundles &&
      raw.kind === 'value' &&
      isPlainObject(parsed) &&
      parsed['resourceType'] === 'Bundle' &&
      Array.isArray(parsed['entry'])
    ) {
      // A Bundle whose resourceType came after its entries could not be streamed: unpack it here.
      return (parsed['entry'] as unknown[]).flatMap((entry, i) => {
        if (!isPlainObject(entry) || entry['resource'] === undefined) {
          return [];
        }
        const fullUrl = typeof entry['fullUrl'] === 'string' ? entry['fullUrl'] : undefined;
        return [
          { resource: entry['resource'], fullUrl, raw, entry: i, bytes: Buffer.from(JSON.stringify(entry)) },
        ];
      });
    }
    return [{ resource: parsed, fullUrl: undefined, raw, entry: undefined, bytes: raw.bytes }];
  }

  // ---- Patients and persons ----------------------------------------------------------------

  private personKey(patient: Record<string, unknown>): PersonKey {
    const { identifiers, fallback } = this.options.profile.person;
    const ids = Array.isArray(patient['identifier']) ? (patient['identifier'] as unknown[]) : [];
    let chosen: { rank: number; value: string; check: 'nir' | 'none' } | undefined;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!isPlainObject(id) || typeof id['system'] !== 'string') {
        continue;
      }
      const rank = identifiers.findIndex((r) => r.system === id['system']);
      if (rank < 0) {
        continue;
      }
      const rule = identifiers[rank]!;
      const value = id['value'];
      if (typeof value !== 'string' || value === '') {
        continue;
      }
      if (rule.check === 'nir') {
        const problem = nirProblem(value);
        if (problem !== undefined) {
          const path = `Patient.identifier[${i}].value`;
          return {
            issue: {
              code: 'INGEST_INVALID_NIR',
              path,
              message: `${path} (system ${rule.system}) is not a valid NIR/INS: it ${problem}`,
            },
          };
        }
      }
      if (chosen === undefined || rank < chosen.rank) {
        chosen = { rank, value, check: rule.check };
      }
    }
    if (chosen !== undefined) {
      return { nir: chosen.check === 'nir' ? normalizeNir(chosen.value) : chosen.value };
    }
    if (fallback === 'quarantine') {
      return {
        issue: {
          code: 'INGEST_MISSING_PERSON_ID',
          path: 'Patient.identifier',
          message: `the Patient has no identifier of system ${identifiers.map((r) => r.system).join(', ') || '(none configured)'}`,
        },
      };
    }
    return { local: true };
  }

  private resourceKey(resource: Record<string, unknown>, fullUrl: string | undefined, bytes: Buffer): string {
    if (fullUrl?.startsWith('urn:')) {
      return fullUrl;
    }
    const id = resource['id'];
    if (typeof id === 'string') {
      return `${resource['resourceType'] as string}/${id}`;
    }
    if (fullUrl !== undefined) {
      return referenceKey(fullUrl)?.key ?? fullUrl;
    }
    return `content:${createHash('sha256').update(bytes).digest('hex')}`;
  }

  private patientKeys(
    resource: Record<string, unknown>,
    fullUrl: string | undefined,
    bytes: Buffer,
  ): string[] {
    const keys = [this.resourceKey(resource, fullUrl, bytes)];
    if (typeof resource['id'] === 'string') {
      keys.push(`Patient/${resource['id']}`);
    }
    if (fullUrl !== undefined) {
      const k = referenceKey(fullUrl)?.key;
      if (k !== undefined) {
        keys.push(k);
      }
    }
    return [...new Set(keys)];
  }

  private async personPseudonym(
    key: { readonly nir: string } | { readonly local: true },
    resourceKey: string,
  ): Promise<string> {
    return 'nir' in key
      ? this.keys.person(key.nir, 'nir')
      : this.keys.person(`${this.source}\u0000${resourceKey}`, 'local');
  }

  /** The file being read (set by the driver before each file). */
  file: SourceFile = { path: '', index: 0 };
  /** When set, the origin of every record (re-ingesting one record). */
  fixedOrigin: RecordOrigin | undefined;

  /** Identifies a record across both passes: file, byte offset, entry. */
  private originKey(c: ResourceCandidate): string {
    return `${this.file.index}:${c.raw.offset}:${c.entry ?? c.raw.entry ?? -1}`;
  }

  /** Where a record came from, built only when a record is quarantined. */
  private originOf(raw: RawRecord, entry?: number): RecordOrigin {
    if (this.fixedOrigin !== undefined) {
      return this.fixedOrigin;
    }
    const e = entry ?? raw.entry;
    return { file: this.file.path, line: raw.line, format: 'fhir', ...(e !== undefined ? { entry: e } : {}) };
  }

  /** Pass 1: registers a Patient (valid or not) in the index. */
  private async indexPatient(c: ResourceCandidate): Promise<void> {
    const resource = c.resource as Record<string, unknown>;
    const keys = this.patientKeys(resource, c.fullUrl, c.bytes);
    const origin = this.originKey(c);
    if (validateResource(resource, this.codes, 1).length > 0) {
      this.index.register(keys, { pseudonym: null, origin });
      return;
    }
    const person = this.personKey(resource);
    if ('issue' in person) {
      this.index.register(keys, { pseudonym: null, origin });
      return;
    }
    const pseudonym = await this.personPseudonym(person, keys[0]!);
    this.index.register(keys, { pseudonym, origin });
  }

  /** Pass 1 over one raw record: only Patients matter, and only their lines are parsed. */
  indexRecord(raw: RawRecord): void | Promise<void> {
    if (raw.tooLarge || raw.kind === 'garbage' || raw.kind === 'truncated') {
      return;
    }
    if (!raw.bytes.includes(PATIENT_MARK)) {
      return;
    }
    const list = this.candidates(raw);
    if (!Array.isArray(list)) {
      return;
    }
    const patients = list.filter(
      (c) => isPlainObject(c.resource) && c.resource['resourceType'] === 'Patient',
    );
    if (patients.length === 0) {
      return;
    }
    return (async () => {
      for (const c of patients) {
        await this.indexPatient(c);
      }
    })();
  }

  /** Loads the person_ref tables of earlier ingests. */
  async loadPriorRefs(files: readonly string[]): Promise<void> {
    for (const file of files) {
      for (const [token, person] of await this.writer.readParquet(file, ['ref_token', 'person_id'])) {
        this.index.addPrior(token!, person!);
      }
    }
  }

  private refToken(key: string): string {
    return this.keys.token('ref', `${this.source}\u0000${key}`);
  }

  /**
   * The Patient a reference key names: its pseudonym, null when that Patient is quarantined, or
   * undefined when no Patient of this ingest (or of the earlier ones given) has that key.
   */
  private resolvePatient(key: string): string | null | undefined {
    const entry = this.index.get(key);
    if (entry !== undefined) {
      return entry.pseudonym;
    }
    if (this.index.hasPrior) {
      return this.index.getPrior(this.refToken(key));
    }
    return undefined;
  }

  private readonly referenceCache = new LruCache<string, string>(100_000);

  /** The pseudonymised form of a reference; references repeat (a Patient, an Encounter), so it is cached. */
  private rewriteReference = (reference: string): string => {
    // Consecutive records mostly name the same Patient and Encounter: the last answers (one slot for
    // Patients, one for the rest, as a record names both) spare a hash lookup.
    const patient = reference.startsWith('Patient/');
    const last = patient ? this.lastPatientReference : this.lastOtherReference;
    if (reference === last.from) {
      return last.to;
    }
    let rewritten = this.referenceCache.get(reference);
    if (rewritten === undefined) {
      rewritten = this.computeReference(reference);
      this.referenceCache.set(reference, rewritten);
    }
    if (patient) {
      this.lastPatientReference = { from: reference, to: rewritten };
    } else {
      this.lastOtherReference = { from: reference, to: rewritten };
    }
    return rewritten;
  };

  private lastPatientReference = { from: '', to: '' };
  /** The last subject/patient reference that named a person (none yet: undefined, never ''). */
  private lastPersonReference: { from: string | undefined; to: string } = { from: undefined, to: '' };
  private lastOtherReference = { from: '', to: '' };

  private computeReference(reference: string): string {
    const k = referenceKey(reference);
    if (k === undefined) {
      return reference;
    }
    const person = this.resolvePatient(k.key);
    if (typeof person === 'string') {
      return `Patient/${person}`;
    }
    const scoped = `${this.source}\u0000${k.key}`;
    if (k.key.startsWith('urn:')) {
      return `urn:uuid:${this.keys.tokenUuid('resource', scoped)}`;
    }
    const token = this.keys.token('resource', scoped);
    return k.type !== undefined ? `${k.type}/${token}` : token;
  }

  private outputId(key: string): string {
    const scoped = `${this.source}\u0000${key}`;
    return key.startsWith('urn:')
      ? this.keys.tokenUuid('resource', scoped)
      : this.keys.token('resource', scoped);
  }

  /**
   * The person a non-Patient resource is about, or an issue when an in-depth type refers to a Patient
   * that is not in the ingest (or was quarantined).
   */
  private personOf(resource: Record<string, unknown>, type: string): { person?: string; issue?: Issue } {
    const field = PERSON_REFERENCE[type] ?? (resource['subject'] !== undefined ? 'subject' : 'patient');
    const ref = resource[field];
    if (!isPlainObject(ref) || typeof ref['reference'] !== 'string') {
      return {};
    }
    const reference = ref['reference'];
    // Records of one person mostly come together: the last reference resolved to a person spares
    // parsing the reference and looking it up (the index does not change during pass 2).
    if (reference === this.lastPersonReference.from) {
      return { person: this.lastPersonReference.to };
    }
    const k = referenceKey(reference);
    if (k === undefined) {
      return {};
    }
    const person = this.resolvePatient(k.key);
    if (typeof person === 'string') {
      this.lastPersonReference = { from: reference, to: person };
      return { person };
    }
    if (!IN_DEPTH_TYPES.has(type)) {
      return {};
    }
    const refTypes = elementInfo(type, field)?.refTypes ?? [];
    const patientRef =
      k.type === 'Patient' ||
      ref['type'] === 'Patient' ||
      (refTypes.length === 1 && refTypes[0] === 'Patient');
    if (person === null || patientRef) {
      const path = `${type}.${field}.reference`;
      return {
        issue: {
          code: 'INGEST_DANGLING_REFERENCE',
          path,
          message:
            person === null
              ? `${path} refers to a Patient that is quarantined in this ingest`
              : `${path} refers to a Patient that is not part of this ingest`,
        },
      };
    }
    return {};
  }

  // ---- Pass 2 ------------------------------------------------------------------------------

  /** Pass 2 over one raw FHIR record. Returns a promise only when it has to wait. */
  ingestRecord(raw: RawRecord): void | Promise<void> {
    const list = this.candidates(raw);
    if (!Array.isArray(list)) {
      return this.quarantine(list.type, [list.issue], this.originOf(raw), raw.bytes, raw.tooLarge === true);
    }
    if (list.length === 1) {
      return this.ingestResource(list[0]!);
    }
    return (async () => {
      for (const c of list) {
        await this.ingestResource(c);
      }
    })();
  }

  private ingestResource(c: ResourceCandidate): void | Promise<void> {
    const { resource, bytes } = c;
    const type =
      isPlainObject(resource) && typeof resource['resourceType'] === 'string'
        ? resource['resourceType']
        : UNKNOWN;
    const issues = validateResource(resource, this.codes);
    if (issues.length > 0) {
      return this.quarantine(type, issues, this.originOf(c.raw, c.entry), bytes);
    }
    const res = resource as Record<string, unknown>;
    if (type !== 'Patient') {
      const p = this.personOf(res, type);
      if (p.issue) {
        return this.quarantine(type, [p.issue], this.originOf(c.raw, c.entry), bytes);
      }
      this.write(res, type, p.person, this.outputId(this.resourceKey(res, c.fullUrl, bytes)));
      return;
    }
    return this.ingestPatient(c, res);
  }

  private ingestPatient(c: ResourceCandidate, res: Record<string, unknown>): void | Promise<void> {
    const pk = this.personKey(res);
    if ('issue' in pk) {
      return this.quarantine('Patient', [pk.issue], this.originOf(c.raw, c.entry), c.bytes);
    }
    const keys = this.patientKeys(res, c.fullUrl, c.bytes);
    const entry = this.index.get(keys[0]!);
    if (entry !== undefined && entry.origin !== this.originKey(c)) {
      const issue: Issue = {
        code: 'INGEST_DUPLICATE_ID',
        path: 'Patient.id',
        message: `another Patient ${keys[0]!} came earlier in this ingest`,
      };
      return this.quarantine('Patient', [issue], this.originOf(c.raw, c.entry), c.bytes);
    }
    // Pass 1 indexed every valid Patient; only a Patient it could not see needs the provider now.
    if (entry?.pseudonym) {
      this.writePatient(res, keys, entry.pseudonym);
      return;
    }
    return this.personPseudonym(pk, keys[0]!).then((person) => this.writePatient(res, keys, person));
  }

  private writePatient(res: Record<string, unknown>, keys: readonly string[], person: string): void {
    for (const k of keys) {
      this.writer.append('person_ref', [this.refToken(k), person]);
    }
    this.write(res, 'Patient', person, person);
  }

  /** Pseudonymises an accepted resource and writes it to its tables. */
  private write(
    res: Record<string, unknown>,
    type: string,
    person: string | undefined,
    outputId: string,
  ): void {
    // A resource that becomes table rows needs only the keys its rows are read from; the rest of
    // its pseudonymised form would be built and thrown away (references rewritten, dates shifted).
    const reads = person !== undefined && IN_DEPTH_TYPES.has(type) ? this.mapper.reads(type) : undefined;
    const out = this.deid.apply(
      res,
      { keys: this.keys, person, outputId, rewriteReference: this.rewriteReference },
      reads,
    );
    const rows = reads !== undefined ? this.mapper.rows(out, person!) : undefined;
    if (rows !== undefined) {
      const firstOfPerson = type !== 'Patient' || !this.personsWritten.has(person!);
      if (type === 'Patient') {
        this.personsWritten.add(person!);
      }
      if (firstOfPerson) {
        for (const row of rows) {
          this.writer.append(row.table, row.cells);
        }
      }
    } else {
      this.writer.append('fhir_other', [type, outputId, person ?? null, JSON.stringify(out)]);
    }
    this.accept(type);
  }

  /** Pass 2 over one CSV data row. */
  ingestCsvRow(row: CsvRow, plan: CsvTablePlan, origin: RecordOrigin): void | Promise<void> {
    const type = `csv:${plan.schema.name}`;
    const content = (): Buffer => Buffer.from(row.raw, 'utf8');
    if (row.tooLarge) {
      return this.quarantine(
        type,
        [
          {
            code: 'INGEST_RECORD_TOO_LARGE',
            path: '(row)',
            message: `the row exceeds ${this.maxRecordBytes} bytes`,
          },
        ],
        origin,
        content(),
        true,
      );
    }
    if (row.unterminated) {
      return this.quarantine(
        type,
        [{ code: 'INGEST_CSV_BAD_ROW', path: '(row)', message: 'the file ends inside a quoted field' }],
        origin,
        content(),
      );
    }
    const issues = plan.check(row.fields, row.line);
    if (issues.length > 0) {
      return this.quarantine(type, issues, origin, content());
    }
    const scope = plan.schema.person.check === 'nir' ? 'nir' : 'local';
    // A NIR names the person everywhere; any other identifier only within its source.
    const identity =
      scope === 'nir'
        ? plan.personIdentity(row.fields)
        : `${this.source}\u0000csv\u0000${plan.personIdentity(row.fields)}`;
    const write = (person: string): void => {
      this.writer.append(
        plan.schema.name,
        plan.transform(row.fields, person, this.keys, this.options.profile.parameters.dateShiftMaxDays),
      );
      this.accept(type);
    };
    const cached = this.keys.cachedPerson(identity, scope);
    if (cached !== undefined) {
      write(cached);
      return;
    }
    return this.keys.person(identity, scope).then(write);
  }
}

/** Reads one FHIR input (NDJSON or JSON) record by record. */
async function readFhir(
  file: InputFile,
  chunks: AsyncIterable<Buffer>,
  limit: number,
  signal: AbortSignal | undefined,
  sink: (raw: RawRecord) => void | Promise<void>,
): Promise<void> {
  if (file.kind === 'ndjson') {
    await readNdjson(chunks, sink, limit, signal);
  } else {
    await scanJson(chunks, sink, limit, signal);
  }
}

/** Wraps chunks to report progress. */
async function* withProgress(chunks: AsyncIterable<Buffer>, report: () => void): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    yield chunk;
    report();
  }
}

async function prepare(
  options: Omit<IngestOptions, 'inputs'>,
): Promise<{ keys: PseudonymKeys; codes: CodeSystemIndex; writer: TableWriter }> {
  await mkdir(options.workDir, { recursive: true });
  const keys = await PseudonymKeys.create(
    options.hmac,
    options.keyName ?? 'pseudonym',
    options.pseudonymCacheSize ?? 100_000,
  );
  const codes = codeSystemRules({
    ...(options.codeSystems ? { extra: options.codeSystems } : {}),
    ...(options.snomedVerhoeff !== undefined ? { snomedVerhoeff: options.snomedVerhoeff } : {}),
  });
  const writer = await TableWriter.open(options.workDir, {
    ...(options.duckdbMemoryLimit ? { memoryLimit: options.duckdbMemoryLimit } : {}),
    ...(options.personRefs ? { readFiles: options.personRefs } : {}),
  });
  return { keys, codes, writer };
}

/** Exports the tables, counting the persons of person_ref and of the earlier ingests' in passing. */
async function finishTables(
  writer: TableWriter,
  options: Omit<IngestOptions, 'inputs'>,
): Promise<{ tables: IngestTable[]; persons: number }> {
  const { tables, distinct } = await writer.finish({
    table: 'person_ref',
    column: 'person_id',
    with: options.personRefs ?? [],
  });
  return { tables, persons: distinct! };
}

function result(
  options: Omit<IngestOptions, 'inputs'>,
  run: IngestRun,
  finished: { tables: IngestTable[]; persons: number },
  inputs: IngestInput[],
): IngestResult {
  return {
    summary: run.summary,
    tables: finished.tables,
    inputs,
    profile: { name: options.profile.name, version: options.profile.version, digest: options.profile.digest },
    keyId: options.keyId,
    persons: finished.persons,
  };
}

/**
 * Ingests files: validates every record, quarantines the failures through `onQuarantine`,
 * pseudonymises the rest with the profile and writes the analytic tables as Parquet in `workDir`.
 *
 * @example
 * ```ts
 * const result = await runIngest({
 *   inputs: ['export/'], workDir, profile: await defaultProfile(),
 *   hmac: (name, data) => keyProvider.hmac(name, data), keyId,
 *   onQuarantine: async (record) => quarantineStore.put(record),
 * });
 * // result.summary.read === result.summary.accepted + result.summary.quarantined
 * ```
 */
export async function runIngest(options: IngestOptions): Promise<IngestResult> {
  const files = await expandInputs(options.inputs);
  const csvFiles = files.filter((f) => f.kind === 'csv');
  const schemas = new Map<string, CsvSchema>();
  for (const f of csvFiles) {
    schemas.set(f.path, await schemaForCsv(f.path, options.csvSchemas ?? [], options.codeSystems ?? []));
  }

  const { keys, codes, writer } = await prepare(options);
  const run = new IngestRun(options, keys, codes, writer);
  const { signal } = options;
  let finished = false;
  try {
    for (const spec of ANALYTIC_TABLES) {
      writer.createTable(spec);
    }
    if (options.personRefs?.length) {
      await run.loadPriorRefs(options.personRefs);
    }

    // CSV plans need each file's header: read it now, so every table exists before the first row.
    const plans = new Map<string, CsvTablePlan>();
    const planOfTable = new Map<string, CsvTablePlan>();
    for (const f of csvFiles) {
      const schema = schemas.get(f.path)!;
      const header = schema.header ? await readHeader(f, schema, signal) : undefined;
      const plan = new CsvTablePlan(
        schema,
        options.profile,
        header?.fields,
        f.path,
        options.codeSystems ?? [],
      );
      const existing = planOfTable.get(schema.name);
      if (
        existing !== undefined &&
        JSON.stringify(existing.spec.columns) !== JSON.stringify(plan.spec.columns)
      ) {
        throw IngestErrors.INGEST_SCHEMA_INVALID(
          `CSV files of table ${schema.name} produce different columns (${f.path})`,
        );
      }
      plans.set(f.path, plan);
      planOfTable.set(schema.name, plan);
      writer.createTable(plan.spec);
    }
    await writer.lock();

    const fhirFiles = files.filter((f) => f.kind !== 'csv');
    for (const f of fhirFiles) {
      signal?.throwIfAborted();
      const opened = openInput(f, { digest: false, ...(signal ? { signal } : {}) });
      const chunks = options.onProgress
        ? withProgress(opened.chunks, () => {
            options.onProgress!({
              phase: 'index',
              file: f.path,
              fileBytes: f.bytes,
              bytesRead: opened.bytesRead(),
              records: 0,
            });
          })
        : opened.chunks;
      run.wholeBundles = f.kind === 'json';
      run.file = { path: f.path, index: files.indexOf(f) };
      const index = (raw: RawRecord): void | Promise<void> => run.indexRecord(raw);
      // Only Patients matter in this pass: in NDJSON, only the lines naming one are even split out.
      if (f.kind === 'ndjson') {
        await findNdjsonLines(chunks, PATIENT_MARK, index, run.recordLimit, signal);
      } else {
        await scanJson(chunks, index, run.recordLimit, signal);
      }
    }

    const inputs: IngestInput[] = [];
    for (const f of files) {
      signal?.throwIfAborted();
      const opened = openInput(f, { digest: true, ...(signal ? { signal } : {}) });
      const chunks = options.onProgress
        ? withProgress(opened.chunks, () => {
            options.onProgress!({
              phase: 'ingest',
              file: f.path,
              fileBytes: f.bytes,
              bytesRead: opened.bytesRead(),
              records: run.summary.read,
            });
          })
        : opened.chunks;
      if (f.kind === 'csv') {
        const plan = plans.get(f.path)!;
        const schema = plan.schema;
        let header: string | undefined;
        await readCsv(
          chunks,
          schema.delimiter,
          (row) => {
            if (schema.header && header === undefined) {
              header = row.raw;
              return;
            }
            return run.ingestCsvRow(row, plan, {
              file: f.path,
              line: row.line,
              format: 'csv',
              csvSchema: schema.name,
              ...(header !== undefined ? { csvHeader: header } : {}),
            });
          },
          run.recordLimit,
          signal,
        );
      } else {
        run.wholeBundles = f.kind === 'json';
        run.file = { path: f.path, index: files.indexOf(f) };
        await readFhir(f, chunks, run.recordLimit, signal, (raw) => run.ingestRecord(raw));
      }
      const digest = opened.digest()!;
      inputs.push({ path: f.path, kind: f.kind, sha256: digest.sha256, bytes: digest.bytes });
    }
    const tables = await finishTables(writer, options);
    finished = true;
    return result(options, run, tables, inputs);
  } catch (err) {
    throw toHdhError(err);
  } finally {
    if (!finished) {
      await writer.close().catch(() => undefined);
    }
  }
}

async function readHeader(
  file: InputFile,
  schema: CsvSchema,
  signal: AbortSignal | undefined,
): Promise<CsvRow | undefined> {
  const opened = openInput(file, { digest: false, ...(signal ? { signal } : {}) });
  let header: CsvRow | undefined;
  const stop = new AbortController();
  try {
    await readCsv(
      opened.chunks,
      schema.delimiter,
      (row) => {
        header ??= row;
        stop.abort();
      },
      64 * 1024 * 1024,
      stop.signal,
    );
  } catch (err) {
    if (!stop.signal.aborted) {
      throw err;
    }
  }
  return header;
}

/**
 * Ingests one corrected record (from the quarantine) as a small ingest of its own: the same checks,
 * the same profile and key, so it lands exactly as if it had been right the first time. For records
 * referring to a Patient of an earlier ingest, pass that ingest's person_ref table in `personRefs`.
 */
export async function reingestRecord(options: ReingestOptions): Promise<IngestResult> {
  const content =
    typeof options.content === 'string' ? Buffer.from(options.content, 'utf8') : Buffer.from(options.content);
  const { origin } = options;
  const { keys, codes, writer } = await prepare(options);
  const run = new IngestRun(options, keys, codes, writer);
  let finished = false;
  try {
    for (const spec of ANALYTIC_TABLES) {
      writer.createTable(spec);
    }
    if (options.personRefs?.length) {
      await run.loadPriorRefs(options.personRefs);
    }
    const digest = createHash('sha256').update(content).digest('hex');
    const label = `${basename(origin.file)} (re-ingested)`;
    if (origin.format === 'csv') {
      const schema = (options.csvSchemas ?? []).find((s) => s.name === origin.csvSchema);
      if (schema === undefined) {
        throw CoreErrors.INPUT_INVALID(
          `re-ingesting a CSV row needs its schema "${origin.csvSchema ?? '(none)'}" in csvSchemas`,
        );
      }
      const header =
        schema.header && origin.csvHeader !== undefined
          ? splitHeader(origin.csvHeader, schema.delimiter)
          : undefined;
      const plan = new CsvTablePlan(schema, options.profile, header, origin.file, options.codeSystems ?? []);
      writer.createTable(plan.spec);
      await writer.lock();
      await readCsv(
        [content],
        schema.delimiter,
        (row) => run.ingestCsvRow({ ...row, line: origin.line }, plan, origin),
        run.recordLimit,
        options.signal,
      );
    } else {
      await writer.lock();
      const at = (raw: RawRecord): RawRecord => ({
        ...raw,
        line: origin.line,
        ...(origin.entry !== undefined ? { entry: origin.entry } : {}),
      });
      run.wholeBundles = true;
      run.fixedOrigin = origin;
      await scanJson([content], (raw) => run.indexRecord(at(raw)), run.recordLimit, options.signal);
      await scanJson([content], (raw) => run.ingestRecord(at(raw)), run.recordLimit, options.signal);
    }
    const tables = await finishTables(writer, options);
    finished = true;
    return result(options, run, tables, [
      { path: label, kind: origin.format === 'csv' ? 'csv' : 'json', sha256: digest, bytes: content.length },
    ]);
  } catch (err) {
    throw toHdhError(err);
  } finally {
    if (!finished) {
      await writer.close().catch(() => undefined);
    }
  }
}

function splitHeader(line: string, delimiter: string): string[] {
  return line.split(delimiter).map((h) => h.replace(/^"|"$/g, '').trim());
}
