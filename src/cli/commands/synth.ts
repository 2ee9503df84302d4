import type { Command } from 'commander';
import { CoreErrors, formatBytes } from '../../core/index.js';
import { generatePopulation } from '../../synth/index.js';
import type { RegisterCommand } from './types.js';

interface SynthFlags {
  patients: string;
  seed: string;
  out: string;
  format: string;
  faults?: string;
  identities?: string;
  force?: boolean;
  json?: boolean;
}

export const registerSynth: RegisterCommand = (program: Command, ctx) => {
  program
    .command('synth')
    .description(
      'generate a deterministic, French-like synthetic population as FHIR R4 (no real person in it)',
    )
    .requiredOption('--patients <n>', 'number of patients')
    .requiredOption('--seed <seed>', 'same seed, same bytes')
    .requiredOption('--out <dir>', 'output folder (must be empty unless --force)')
    .option('--format <format>', 'ndjson (one file per resource type, Bulk Data layout) or bundle', 'ndjson')
    .option('--faults <rate>', 'share of records to corrupt, of every kind the validator knows (e.g. 0.01)')
    .option(
      '--identities <file>',
      'also write the identifying facts of every patient (NIR, INS, names…) to this file, for tests',
    )
    .option('--force', 'write into a folder that is not empty')
    .option('--json', 'machine-readable summary')
    .action(async (flags: SynthFlags) => {
      const patients = Number(flags.patients);
      if (!Number.isInteger(patients) || patients < 1) {
        throw CoreErrors.INPUT_INVALID(`--patients "${flags.patients}" must be a positive whole number`);
      }
      if (flags.format !== 'ndjson' && flags.format !== 'bundle') {
        throw CoreErrors.INPUT_INVALID(`--format "${flags.format}" must be ndjson or bundle`);
      }
      const faults = flags.faults === undefined ? undefined : Number(flags.faults);
      if (faults !== undefined && !(faults >= 0 && faults <= 1)) {
        throw CoreErrors.INPUT_INVALID(
          `--faults "${flags.faults}" must be a rate between 0 and 1, e.g. 0.01`,
        );
      }
      const interactive = process.stderr.isTTY && !flags.json;
      const summary = await generatePopulation({
        patients,
        seed: flags.seed,
        outDir: flags.out,
        format: flags.format,
        ...(faults !== undefined ? { faults } : {}),
        ...(flags.identities ? { identities: flags.identities } : {}),
        ...(flags.force ? { overwrite: true } : {}),
        ...(interactive
          ? { onProgress: (p) => void ctx.out.stderr.write(`\r${p.done}/${p.total} patients`) }
          : {}),
      });
      if (interactive) {
        ctx.out.stderr.write('\n');
      }
      if (flags.json) {
        ctx.out.json(summary);
        return;
      }
      const total = Object.values(summary.resources).reduce((a, b) => a + b, 0);
      const bytes = summary.files.reduce((a, f) => a + f.bytes, 0);
      ctx.out.line(
        `${summary.patients} patients, ${total} resources, ${formatBytes(bytes)} in ${flags.out} (seed ${summary.seed})`,
      );
      ctx.out.table(
        summary.files.map((f) => ({ file: f.name, records: f.records, size: formatBytes(f.bytes) })),
      );
      if (summary.faults.total > 0) {
        ctx.out.line(
          `${summary.faults.total} malformed records injected; list in ${summary.faults.manifest ?? 'faults.json'}`,
        );
      }
    });
};
