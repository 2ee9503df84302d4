/**
 * Writes a synthetic population to a directory, patient by patient, as FHIR Bulk Data NDJSON (one
 * file per resource type) or as Bundles, with optional sidecars: the faults manifest and the
 * identities of every patient. Memory stays flat whatever the number of patients.
 * @module
 */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { CoreErrors, isHdhError } from '../core/index.js';
import { PopulationContext } from './context.js';
import { REFERENCE_DATE } from './dates.js';
import { SynthErrors } from './errors.js';
import { FAULT_KINDS, type FaultEntry, type FaultKind } from './faults.js';
import { normalizePopulationOptions, type PopulationOptions } from './options.js';
import { generatePatient, type SynthRecord } from './population.js';
import { LineSink } from './sink.js';
import { SYNTH_RESOURCE_TYPES, type SynthResourceType } from './timeline.js';

export type SynthFormat = 'ndjson' | 'bundle';

export interface GenerateOptions extends PopulationOptions {
  /** Directory to write to; created if missing. It must be empty unless `overwrite` is set. */
  readonly outDir: string;
  /** `ndjson` (default): `<Type>.ndjson` per resource type. `bundle`: `bundle-000001.json`, … */
  readonly format?: SynthFormat;
  /** Patients per Bundle file (default 100). */
  readonly patientsPerBundle?: number;
  /** `collection` (default) or `transaction` (each entry with `request: PUT Type/id`). */
  readonly bundleType?: 'collection' | 'transaction';
  /** Write the identities of every patient: `true` for `<outDir>/identities.ndjson`, or a path. */
  readonly identities?: boolean | string;
  /** Write the faults manifest: `true` (default when `faults` > 0) for `<outDir>/faults.json`, or a path. */
  readonly faultsManifest?: boolean | string;
  /** Allow a non-empty `outDir`: files a previous run wrote there are replaced, others are left alone. */
  readonly overwrite?: boolean;
  /** Called every 1,000 patients and at the end. */
  readonly onProgress?: (progress: { readonly done: number; readonly total: number }) => void;
}

export interface SynthFile {
  /** File name relative to `outDir`. */
  readonly name: string;
  /** Resource type held (`Bundle` for the bundle format). */
  readonly type: string;
  /** Resources (NDJSON lines or Bundle entries), injected faults included. */
  readonly records: number;
  readonly bytes: number;
}

export interface SynthSummary {
  readonly seed: string;
  /** Prefix of every resource id of this seed. */
  readonly idPrefix: string;
  readonly patients: number;
  readonly startIndex: number;
  readonly format: SynthFormat;
  /** The day the population is described at. */
  readonly referenceDate: string;
  /** Well-formed resources written, per type. */
  readonly resources: Readonly<Record<SynthResourceType, number>>;
  readonly deceased: number;
  /** The FHIR files, in a stable order. */
  readonly files: readonly SynthFile[];
  /** `manifest.json`: Bulk Data–style listing of the FHIR files. */
  readonly manifest: string;
  readonly faults: {
    readonly rate: number;
    readonly total: number;
    readonly byKind: Readonly<Record<FaultKind, number>>;
    /** Path of the faults manifest, when written. */
    readonly manifest?: string;
  };
  /** Path of the identities file, when written. */
  readonly identities?: string;
}

/** Names of the files this generator writes: what `overwrite` may replace. */
const OWN_FILE =
  /^([A-Z][A-Za-z]+\.ndjson|bundle-\d{6,}\.json|manifest\.json|faults\.json|identities\.ndjson)$/;
/** Base of `Bundle.entry.fullUrl`; relative references resolve against it. `.invalid` cannot exist. */
export const BUNDLE_BASE_URL = 'https://hdh.invalid/synth/fhir/';
const PROGRESS_EVERY = 1000;
const YIELD_EVERY = 256;

interface Position {
  readonly file: string;
  readonly line: number;
  readonly entry?: number;
}

interface Layout {
  /** Writes one record's JSON text and says where it went. */
  write(record: SynthRecord, text: string): Position;
  /** Called after each patient: drains, rotates bundles. */
  endPatient(): Promise<void>;
  close(): Promise<{ name: string; type: string; records: number }[]>;
  abandon(): Promise<void>;
}

class NdjsonLayout implements Layout {
  private readonly sinks = new Map<SynthResourceType, LineSink>();

  constructor(private readonly dir: string) {}

  write(record: SynthRecord, text: string): Position {
    let sink = this.sinks.get(record.type);
    if (sink === undefined) {
      const name = `${record.type}.ndjson`;
      sink = new LineSink(join(this.dir, name), name);
      this.sinks.set(record.type, sink);
    }
    return { file: sink.name, line: sink.line(text) };
  }

  async endPatient(): Promise<void> {
    for (const sink of this.sinks.values()) {
      if (sink.needsDrain) {
        await sink.ready();
      }
    }
  }

  async close(): Promise<{ name: string; type: string; records: number }[]> {
    const out: { name: string; type: string; records: number }[] = [];
    for (const type of SYNTH_RESOURCE_TYPES) {
      const sink = this.sinks.get(type);
      if (sink === undefined) {
        continue;
      }
      await sink.close();
      out.push({ name: sink.name, type, records: sink.lines });
    }
    return out;
  }

  async abandon(): Promise<void> {
    for (const sink of this.sinks.values()) {
      await sink.abandon();
    }
  }
}

class BundleLayout implements Layout {
  private sink: LineSink | undefined;
  private entries = 0;
  private patients = 0;
  private number = 0;
  private readonly done: { name: string; type: string; records: number }[] = [];

  constructor(
    private readonly dir: string,
    private readonly idPrefix: string,
    private readonly perBundle: number,
    private readonly bundleType: 'collection' | 'transaction',
  ) {}

  private open(): LineSink {
    this.number++;
    const name = `bundle-${String(this.number).padStart(6, '0')}.json`;
    const sink = new LineSink(join(this.dir, name), name);
    const head = {
      resourceType: 'Bundle',
      id: `${this.idPrefix}-bundle-${this.number}`,
      type: this.bundleType,
      timestamp: `${REFERENCE_DATE}T23:59:59+01:00`,
    };
    // Line 1 holds the Bundle header and opens `entry`; entry k sits alone on line k + 2.
    sink.append(`${JSON.stringify(head).slice(0, -1)},"entry":[`);
    sink.lines = 1;
    this.entries = 0;
    return sink;
  }

  write(record: SynthRecord, text: string): Position {
    this.sink ??= this.open();
    const id = record.fault?.id ?? String((record.resource as { id?: unknown }).id);
    const url = `${record.type}/${id}`;
    const request =
      this.bundleType === 'transaction' ? `,"request":{"method":"PUT","url":${JSON.stringify(url)}}` : '';
    const entry = `{"fullUrl":${JSON.stringify(BUNDLE_BASE_URL + url)},"resource":${text}${request}}`;
    this.sink.append(this.entries === 0 ? '\n' : ',\n');
    this.sink.append(entry);
    this.sink.lines++;
    const position = { file: this.sink.name, line: this.sink.lines, entry: this.entries };
    this.entries++;
    return position;
  }

  async endPatient(): Promise<void> {
    this.patients++;
    if (this.sink === undefined) {
      return;
    }
    if (this.patients % this.perBundle === 0) {
      await this.finish();
    } else if (this.sink.needsDrain) {
      await this.sink.ready();
    }
  }

  private async finish(): Promise<void> {
    const sink = this.sink!;
    sink.append('\n]}\n');
    await sink.close();
    this.done.push({ name: sink.name, type: 'Bundle', records: this.entries });
    this.sink = undefined;
  }

  async close(): Promise<{ name: string; type: string; records: number }[]> {
    if (this.sink !== undefined) {
      await this.finish();
    }
    return this.done;
  }

  async abandon(): Promise<void> {
    await this.sink?.abandon();
  }
}

/** Streams `faults.json`: a JSON object whose `faults` array holds one entry per line. */
class FaultsManifest {
  private readonly sink: LineSink;
  private count = 0;

  constructor(path: string, header: Record<string, unknown>) {
    this.sink = new LineSink(path, 'faults.json');
    this.sink.append(`${JSON.stringify(header).slice(0, -1)},"faults":[`);
  }

  add(entry: FaultEntry): void {
    this.sink.append(this.count === 0 ? '\n' : ',\n');
    this.sink.append(JSON.stringify(entry));
    this.count++;
  }

  get needsDrain(): boolean {
    return this.sink.needsDrain;
  }

  ready(): Promise<void> {
    return this.sink.ready();
  }

  async close(): Promise<void> {
    this.sink.append('\n]}\n');
    await this.sink.close();
  }

  abandon(): Promise<void> {
    return this.sink.abandon();
  }
}

async function prepareDirectory(dir: string, overwrite: boolean): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const names = await readdir(dir);
    if (names.length === 0) {
      return;
    }
    if (!overwrite) {
      throw SynthErrors.SYNTH_OUTPUT_NOT_EMPTY(
        `output directory ${dir} is not empty (${names.length} entries)`,
        {
          details: { outDir: dir },
        },
      );
    }
    for (const name of names) {
      if (OWN_FILE.test(name)) {
        await rm(join(dir, name), { force: true });
      }
    }
  } catch (err) {
    if (isHdhError(err)) {
      throw err;
    }
    throw SynthErrors.SYNTH_OUTPUT_FAILED(
      `cannot prepare output directory ${dir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

function sidecarPath(
  option: boolean | string | undefined,
  dir: string,
  name: string,
  byDefault: boolean,
): string | undefined {
  if (typeof option === 'string') {
    return option;
  }
  return (option ?? byDefault) ? join(dir, name) : undefined;
}

/**
 * Generates `patients` synthetic patients into `outDir`.
 * @throws SYNTH_INVALID_OPTIONS, SYNTH_OUTPUT_NOT_EMPTY, SYNTH_OUTPUT_FAILED, OPERATION_ABORTED
 * @example await generatePopulation({ patients: 1000, seed: 'demo', outDir: 'demo-data', faults: 0.01 })
 */
export async function generatePopulation(options: GenerateOptions): Promise<SynthSummary> {
  const format = options.format ?? 'ndjson';
  const problems: string[] = [];
  if (format !== 'ndjson' && format !== 'bundle') {
    problems.push(`format must be ndjson or bundle, got ${String(format)}`);
  }
  if (typeof options.outDir !== 'string' || options.outDir.length === 0) {
    problems.push('outDir must be a directory path');
  }
  const perBundle = options.patientsPerBundle ?? 100;
  if (!Number.isSafeInteger(perBundle) || perBundle < 1) {
    problems.push(`patientsPerBundle must be a positive integer, got ${String(perBundle)}`);
  }
  const bundleType = options.bundleType ?? 'collection';
  if (bundleType !== 'collection' && bundleType !== 'transaction') {
    problems.push(`bundleType must be collection or transaction, got ${String(bundleType)}`);
  }
  // A Bundle is one JSON document: a line of broken JSON inside it would break every entry.
  const opts = normalizePopulationOptions(options, format === 'bundle' ? ['invalid-json'] : [], problems);

  const dir = options.outDir;
  await prepareDirectory(dir, options.overwrite === true);
  const ctx = new PopulationContext(opts.seed);
  const plan = opts.faultPlan;
  const faultsPath =
    plan === undefined ? undefined : sidecarPath(options.faultsManifest, dir, 'faults.json', true);
  const identitiesPath = sidecarPath(options.identities, dir, 'identities.ndjson', false);

  const layout: Layout =
    format === 'ndjson' ? new NdjsonLayout(dir) : new BundleLayout(dir, ctx.tag, perBundle, bundleType);
  const faults =
    faultsPath === undefined
      ? undefined
      : new FaultsManifest(faultsPath, {
          seed: opts.seed,
          startIndex: opts.startIndex,
          patients: opts.patients,
          format,
          rate: plan!.rate,
          kinds: plan!.kinds,
        });
  const identities =
    identitiesPath === undefined ? undefined : new LineSink(identitiesPath, 'identities.ndjson');

  const resources = Object.fromEntries(SYNTH_RESOURCE_TYPES.map((t) => [t, 0])) as Record<
    SynthResourceType,
    number
  >;
  const byKind = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  let deceased = 0;
  let faultTotal = 0;
  const end = opts.startIndex + opts.patients;
  try {
    for (let index = opts.startIndex; index < end; index++) {
      const done = index - opts.startIndex;
      if (done % YIELD_EVERY === YIELD_EVERY - 1) {
        await yieldToLoop();
      }
      if (opts.signal?.aborted === true) {
        throw CoreErrors.OPERATION_ABORTED('synthetic population generation was cancelled', {
          cause: opts.signal.reason,
        });
      }
      const patient = generatePatient(ctx, index, plan);
      if (patient.deceased) {
        deceased++;
      }
      for (const record of patient.records) {
        const text = record.fault === undefined ? JSON.stringify(record.resource) : record.fault.text;
        const at = layout.write(record, text);
        if (record.fault === undefined) {
          resources[record.type]++;
        } else {
          faultTotal++;
          byKind[record.fault.kind]++;
          faults?.add({
            ...at,
            kind: record.fault.kind,
            resourceType: record.type,
            id: record.fault.id,
            path: record.fault.path,
            detail: record.fault.detail,
          });
        }
      }
      if (identities !== undefined) {
        identities.line(JSON.stringify(patient.identity));
        for (const f of patient.faultIdentities) {
          identities.line(JSON.stringify(f));
        }
        if (identities.needsDrain) {
          await identities.ready();
        }
      }
      if (faults?.needsDrain === true) {
        await faults.ready();
      }
      await layout.endPatient();
      if (options.onProgress !== undefined && ((done + 1) % PROGRESS_EVERY === 0 || index + 1 === end)) {
        options.onProgress({ done: done + 1, total: opts.patients });
      }
    }
    const written = await layout.close();
    await faults?.close();
    await identities?.close();

    const files: SynthFile[] = [];
    for (const f of written) {
      files.push({ ...f, bytes: (await stat(join(dir, f.name))).size });
    }
    const manifest = join(dir, 'manifest.json');
    await writeFile(
      manifest,
      `${JSON.stringify(
        {
          transactionTime: `${REFERENCE_DATE}T23:59:59+01:00`,
          request: `hdh synth?patients=${opts.patients}&seed=${encodeURIComponent(opts.seed)}&startIndex=${opts.startIndex}&format=${format}`,
          requiresAccessToken: false,
          output: files.map((f) => ({ type: f.type, url: f.name, count: f.records })),
          error: [],
          extension: {
            generator: 'hdh synth',
            seed: opts.seed,
            patients: opts.patients,
            startIndex: opts.startIndex,
            referenceDate: REFERENCE_DATE,
            faults: plan?.rate ?? 0,
            ...(faultsPath === undefined
              ? {}
              : { faultsManifest: faultsPath === join(dir, 'faults.json') ? 'faults.json' : faultsPath }),
          },
        },
        null,
        2,
      )}\n`,
    );
    return {
      seed: opts.seed,
      idPrefix: ctx.tag,
      patients: opts.patients,
      startIndex: opts.startIndex,
      format,
      referenceDate: REFERENCE_DATE,
      resources,
      deceased,
      files,
      manifest,
      faults: {
        rate: plan?.rate ?? 0,
        total: faultTotal,
        byKind,
        ...(faultsPath === undefined ? {} : { manifest: faultsPath }),
      },
      ...(identitiesPath === undefined ? {} : { identities: identitiesPath }),
    };
  } catch (err) {
    await layout.abandon();
    await faults?.abandon();
    await identities?.abandon();
    if (isHdhError(err)) {
      throw err;
    }
    throw SynthErrors.SYNTH_OUTPUT_FAILED(
      `synthetic population not written to ${dir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
