import type { Command } from 'commander';
import { CoreErrors, formatBytes } from '../../core/index.js';
import { withHub } from '../../hub/index.js';
import type { DatasetMetadata } from '../../catalog/index.js';
import type { RegisterCommand } from './types.js';

export const registerDatasets: RegisterCommand = (program: Command, ctx) => {
  const datasets = program
    .command('datasets')
    .description('the catalogue: datasets, their versions, tables and lineage');

  datasets
    .command('ls')
    .description('list datasets with their class, store and current version')
    .option('--json', 'machine-readable list')
    .action(async (flags: { json?: boolean }) => {
      await withHub({ home: ctx.home(), env: ctx.env }, async (hub) => {
        const rows: { meta: DatasetMetadata; persons: number | undefined }[] = [];
        for await (const meta of hub.catalog.all()) {
          const persons =
            meta.currentVersion !== undefined
              ? (await hub.catalog.version(meta.name, meta.currentVersion)).persons
              : undefined;
          rows.push({ meta, persons });
        }
        if (flags.json) {
          ctx.out.json(rows.map(({ meta, persons }) => ({ ...meta, persons: persons ?? null })));
          return;
        }
        if (rows.length === 0) {
          ctx.out.line('no dataset yet: `hdh ingest DATASET FILES…` creates one');
          return;
        }
        ctx.out.table(
          rows.map(({ meta, persons }) => ({
            name: meta.name,
            class: meta.dataClass,
            store: meta.store,
            version: meta.currentVersion,
            persons,
            title: meta.title,
          })),
        );
      });
    });

  datasets
    .command('show')
    .description('a dataset: metadata, versions, tables of a version and their lineage, quarantine counts')
    .argument('<name>', 'dataset name')
    .option('--version <n>', 'a version other than the current one')
    .option('--json', 'machine-readable detail')
    .action(async (name: string, flags: { version?: string; json?: boolean }) => {
      const wanted = flags.version === undefined ? undefined : Number(flags.version);
      if (wanted !== undefined && !(Number.isInteger(wanted) && wanted >= 1)) {
        throw CoreErrors.INPUT_INVALID(`--version "${flags.version}" must be a version number (1, 2, …)`);
      }
      await withHub({ home: ctx.home(), env: ctx.env }, async (hub) => {
        const detail = await hub.catalog.detail(name);
        const version = wanted !== undefined ? await hub.catalog.version(name, wanted) : detail.current;
        const quarantine = await hub.quarantine.counts(name);
        if (flags.json) {
          ctx.out.json({ ...detail, ...(version ? { shown: version } : {}), quarantine });
          return;
        }
        ctx.out.line(`${detail.name}: ${detail.title}`);
        if (detail.description !== '') {
          ctx.out.line(detail.description);
        }
        ctx.out.line(
          `class ${detail.dataClass}, store ${detail.store}, created ${detail.createdAt} by ${detail.createdBy}`,
        );
        const q = Object.entries(quarantine);
        ctx.out.line(`quarantine: ${q.length > 0 ? q.map(([s, n]) => `${n} ${s}`).join(', ') : 'empty'}`);
        ctx.out.line();
        if (detail.versions.length === 0) {
          ctx.out.line('no version yet');
          return;
        }
        ctx.out.table(
          detail.versions.map((v) => ({
            version: v.version,
            created: v.createdAt,
            by: v.createdBy,
            profile: `${v.profile.name} ${v.profile.version}`,
            key: v.keyId,
            persons: v.persons,
          })),
        );
        if (version === undefined) {
          return;
        }
        ctx.out.line();
        ctx.out.line(
          `version ${version.version}: ${version.summary.read} read = ${version.summary.accepted} accepted + ${version.summary.quarantined} quarantined (that ingest)`,
        );
        ctx.out.table(
          version.tables.map((t) => ({
            table: t.name,
            rows: t.rows,
            parts: t.parts?.length ?? 1,
            size: formatBytes(t.bytes),
            columns: t.columns.length,
          })),
        );
        ctx.out.line();
        ctx.out.line('inputs of that version:');
        ctx.out.table(
          version.inputs.map((i) => ({ file: i.fileName, size: formatBytes(i.bytes), sha256: i.sha256 })),
        );
      });
    });
};
