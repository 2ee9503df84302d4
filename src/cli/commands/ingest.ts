import type { Command } from 'commander';
import { formatBytes } from '../../core/index.js';
import { ingestCounts, ingestIntoHub, withHub, type HubIngestResult } from '../../hub/index.js';
import { loadCsvSchema, loadProfile, type CsvSchema } from '../../ingest/index.js';
import type { CliContext } from '../context.js';
import type { RegisterCommand } from './types.js';

interface IngestFlags {
  store?: string;
  quarantineStore?: string;
  profile?: string;
  schema: string[];
  title?: string;
  description?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const registerIngest: RegisterCommand = (program: Command, ctx) => {
  program
    .command('ingest')
    .description(
      'validate, pseudonymise and store FHIR R4 (NDJSON, Bundles) and CSV files as a new version of a dataset',
    )
    .argument('<dataset>', 'dataset name (created on its first ingest)')
    .argument(
      '<inputs...>',
      'files or folders: .ndjson/.jsonl, .json (resources or Bundles), .csv; optionally .gz',
    )
    .option('--store <name>', "store for the tables (default: the dataset's store, else defaultStore)")
    .option(
      '--quarantine-store <name>',
      'store for the records set aside, class identifying-health (default: the tables’ store)',
    )
    .option('--profile <file>', 'pseudonymisation profile (default: the built-in fr-default)')
    .option(
      '--schema <file>',
      'CSV schema for CSV files without a sidecar <name>.schema.yaml (repeatable)',
      collect,
      [],
    )
    .option('--title <text>', 'catalogue title of the dataset')
    .option('--description <text>', 'catalogue description of the dataset')
    .option('--json', 'machine-readable summary')
    .addHelpText(
      'after',
      '\nThe summary ends with read = accepted + quarantined, per resource type. An input file already\n' +
        'ingested into the dataset (same SHA-256) is skipped. `hdh quarantine ls DATASET` lists the records set aside.',
    )
    .action(async (dataset: string, inputs: string[], flags: IngestFlags) => {
      const profile = flags.profile !== undefined ? await loadProfile(flags.profile) : undefined;
      const schemas: CsvSchema[] = [];
      for (const file of flags.schema) {
        schemas.push(await loadCsvSchema(file));
      }
      const interactive = process.stderr.isTTY && !flags.json;
      let lastReport = 0;
      const result = await withHub({ home: ctx.home(), env: ctx.env }, (hub) =>
        ingestIntoHub(hub, {
          dataset,
          inputs,
          actor: ctx.actor,
          csvSchemas: schemas,
          ...(profile ? { profile } : {}),
          ...(flags.store !== undefined ? { store: flags.store } : {}),
          ...(flags.quarantineStore !== undefined ? { quarantineStore: flags.quarantineStore } : {}),
          ...(flags.title !== undefined ? { title: flags.title } : {}),
          ...(flags.description !== undefined ? { description: flags.description } : {}),
          ...(interactive
            ? {
                onProgress: (p) => {
                  const now = Date.now();
                  if (now - lastReport > 250) {
                    lastReport = now;
                    ctx.out.stderr.write(
                      `\r${p.phase === 'index' ? 'indexing' : 'ingesting'} ${formatBytes(p.bytesRead)} / ${formatBytes(p.fileBytes)}, ${p.records} records  `,
                    );
                  }
                },
              }
            : {}),
        }),
      );
      if (interactive) {
        ctx.out.stderr.write('\r\x1b[K');
      }
      if (flags.json) {
        ctx.out.json(summaryJson(result));
        return;
      }
      printSummary(ctx, result);
    });
};

function summaryJson(r: HubIngestResult): Record<string, unknown> {
  return {
    ...ingestCounts(r),
    tables: r.tables,
    inputs: r.inputs,
    skipped: r.skipped,
    profile: r.profile,
    keyId: r.keyId,
  };
}

function printSummary(ctx: CliContext, r: HubIngestResult): void {
  for (const s of r.skipped) {
    ctx.out.line(
      `skipped ${s.path}: ${s.version !== undefined ? `already in version ${s.version}` : 'same bytes as another input'}`,
    );
  }
  if (r.version === undefined) {
    ctx.out.line(`dataset ${r.dataset}: nothing new to ingest (every input is already in it)`);
    return;
  }
  const { summary } = r;
  const rows = Object.entries(summary.byType)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([type, c]) => ({ type, read: c.read, accepted: c.accepted, quarantined: c.quarantined }));
  rows.push({
    type: 'total',
    read: summary.read,
    accepted: summary.accepted,
    quarantined: summary.quarantined,
  });
  ctx.out.table(rows);
  const codes = Object.entries(summary.quarantineByCode);
  if (codes.length > 0) {
    ctx.out.line();
    ctx.out.line(`quarantined by reason: ${codes.map(([code, n]) => `${code} ${n}`).join(', ')}`);
    ctx.out.line(`  (sealed as identifying-health; see \`hdh quarantine ls ${r.dataset}\`)`);
  }
  ctx.out.line();
  ctx.out.line(
    `tables written: ${r.tables.map((t) => `${t.name} ${t.rows}`).join(', ') || 'none'} (sealed in store ${r.store})`,
  );
  ctx.out.line(`profile ${r.profile.name} ${r.profile.version}, pseudonym key ${r.keyId}`);
  ctx.out.line(
    `dataset ${r.dataset} version ${r.version}: ${summary.read} read = ${summary.accepted} accepted + ${summary.quarantined} quarantined; ${r.persons} persons`,
  );
}
