/**
 * The population, patient by patient: for in-process consumers (ingestion tests) and for the file
 * writers. Nothing is kept once a patient has been handed over, so memory does not grow with the
 * number of patients.
 * @module
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { FhirResource } from 'fhir/r4.js';
import { CoreErrors } from '../core/index.js';
import { PopulationContext, STREAM } from './context.js';
import { injectFault, type FaultPlan, type InjectedFault } from './faults.js';
import { identityOf, type SynthIdentity } from './identity.js';
import { normalizePopulationOptions, type PopulationOptions } from './options.js';
import { makePerson } from './person.js';
import { rngFor } from './prng.js';
import { personRecords, type SynthResourceType } from './timeline.js';

/** One record of the population: a well-formed resource, or a malformed one injected by `faults`. */
export type SynthRecord =
  | {
      readonly type: SynthResourceType;
      readonly resource: FhirResource;
      readonly fault?: undefined;
    }
  | {
      /** Type of the record the fault was derived from: the file it is written to. */
      readonly type: SynthResourceType;
      /** The malformed object, or undefined when the line is not JSON (`invalid-json`). */
      readonly resource: Record<string, unknown> | undefined;
      readonly fault: InjectedFault;
    };

export interface SynthPatient {
  readonly index: number;
  readonly identity: SynthIdentity;
  /** The patient's records, Patient first; each injected fault follows the record it was derived from. */
  readonly records: readonly SynthRecord[];
  /** Identities carried by injected malformed Patients (`invalid-nir-key`, `invalid-ins`). */
  readonly faultIdentities: readonly SynthIdentity[];
  readonly deceased: boolean;
}

/** Builds patient `index` with its records (and faults, when a plan is given). */
export function generatePatient(ctx: PopulationContext, index: number, faultPlan?: FaultPlan): SynthPatient {
  const person = makePerson(ctx, index);
  const identity = identityOf(person);
  const clean = personRecords(ctx, person);
  const faultIdentities: SynthIdentity[] = [];
  let records: SynthRecord[] = clean;
  if (faultPlan !== undefined) {
    records = [];
    const rng = rngFor(ctx.seed, STREAM.faults, index);
    for (const record of clean) {
      records.push(record);
      const kind = faultPlan.choose(record.type, rng);
      if (kind === undefined) {
        continue;
      }
      const injected = injectFault(ctx, kind, record.type, record.resource, rng);
      records.push({ type: record.type, resource: injected.resource, fault: injected.fault });
      if (record.type === 'Patient' && injected.resource !== undefined) {
        const identifiers = injected.resource.identifier as { value?: string }[] | undefined;
        const value = identifiers?.[0]?.value ?? identity.nir;
        faultIdentities.push({
          ...identity,
          patientId: injected.fault.id,
          nir: value,
          ins: { ...identity.ins, value },
          fault: kind,
        });
      }
    }
  }
  return { index, identity, records, faultIdentities, deceased: person.deathDay !== undefined };
}

/** Patients between two yields to the event loop, so timers and abort signals are serviced. */
const YIELD_EVERY = 256;

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw CoreErrors.OPERATION_ABORTED('synthetic population generation was cancelled', {
      cause: signal.reason,
    });
  }
}

/**
 * The population as an async sequence of patients (identity + records), generated lazily.
 * @throws SYNTH_INVALID_OPTIONS for bad options, OPERATION_ABORTED when `signal` fires
 * @example for await (const p of populationPatients({ patients: 10, seed: 'demo' })) console.log(p.identity.nir);
 */
export async function* populationPatients(
  options: PopulationOptions,
): AsyncGenerator<SynthPatient, void, undefined> {
  const opts = normalizePopulationOptions(options);
  const ctx = new PopulationContext(opts.seed);
  const end = opts.startIndex + opts.patients;
  for (let index = opts.startIndex; index < end; index++) {
    if ((index - opts.startIndex) % YIELD_EVERY === YIELD_EVERY - 1) {
      await yieldToLoop();
    }
    aborted(opts.signal);
    yield generatePatient(ctx, index, opts.faultPlan);
  }
}

/**
 * The population as an async sequence of `{ type, resource }` records, patient by patient (Patient
 * first), with injected faults (`fault` set) right after the record each was derived from.
 * @example for await (const { type, resource } of populationResources({ patients: 100, seed: 1 })) …
 */
export async function* populationResources(
  options: PopulationOptions,
): AsyncGenerator<SynthRecord, void, undefined> {
  for await (const patient of populationPatients(options)) {
    yield* patient.records;
  }
}
