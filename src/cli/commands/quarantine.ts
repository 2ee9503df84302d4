import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CoreErrors } from '../../core/index.js';
import {
  dismissQuarantined,
  listQuarantined,
  reingestQuarantined,
  showQuarantined,
  withHub,
} from '../../hub/index.js';
import { IngestErrors, loadProfile } from '../../ingest/index.js';
import type { QuarantineStatus } from '../../catalog/index.js';
import type { RegisterCommand } from './types.js';

const STATUSES = ['open', 'reingested', 'dismissed', 'all'] as const;

export const registerQuarantine: RegisterCommand = (program: Command, ctx) => {
  const quarantine = program
    .command('quarantine')
    .description('records an ingest set aside: list, show, re-ingest a corrected record, dismiss');

  quarantine
    .command('ls')
    .description('list the quarantined records of a dataset, with their reason, file and line')
    .argument('<dataset>', 'dataset name')
    .option('--status <status>', STATUSES.join(', '), 'open')
    .option('--code <code>', 'only this reason (e.g. INGEST_INVALID_NIR)')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'machine-readable list')
    .action(
      async (dataset: string, flags: { status: string; code?: string; limit: string; json?: boolean }) => {
        if (!(STATUSES as readonly string[]).includes(flags.status)) {
          throw CoreErrors.INPUT_INVALID(`--status "${flags.status}" must be one of ${STATUSES.join(', ')}`);
        }
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
          throw CoreErrors.INPUT_INVALID(`--limit "${flags.limit}" must be a whole number from 1 to 1000`);
        }
        await withHub({ home: ctx.home(), env: ctx.env }, async (hub) => {
          const page = await listQuarantined(hub, dataset, {
            limit,
            ...(flags.status !== 'all' ? { status: flags.status as QuarantineStatus } : {}),
            ...(flags.code !== undefined ? { code: flags.code } : {}),
          });
          if (flags.json) {
            ctx.out.json({ items: page.items, more: page.nextCursor !== undefined });
            return;
          }
          if (page.items.length === 0) {
            ctx.out.line(
              `no ${flags.status === 'all' ? '' : `${flags.status} `}quarantined record in ${dataset}`,
            );
            return;
          }
          ctx.out.table(
            page.items.map((e) => ({
              id: e.id,
              status: e.status,
              code: e.code,
              type: e.resourceType,
              where: `${e.file}:${e.line}`,
              message: e.message,
            })),
          );
          if (page.nextCursor !== undefined) {
            ctx.out.line(`(more: raise --limit, or filter with --code)`);
          }
        });
      },
    );

  quarantine
    .command('show')
    .description(
      'one quarantined record: every problem found, and its original content (identifying: audited)',
    )
    .argument('<dataset>', 'dataset name')
    .argument('<id>', 'record id from `hdh quarantine ls`')
    .option('--out <file>', 'write the original content to this file (to correct it) instead of printing it')
    .option('--json', 'machine-readable record (content as text)')
    .action(async (dataset: string, id: string, flags: { out?: string; json?: boolean }) => {
      const shown = await withHub({ home: ctx.home(), env: ctx.env }, (hub) =>
        showQuarantined(hub, { dataset, id, actor: ctx.actor }),
      );
      const { entry, record, content } = shown;
      if (flags.out !== undefined) {
        await writeFile(flags.out, content, { mode: 0o600 });
      }
      if (flags.json) {
        ctx.out.json({
          ...entry,
          path: record.path,
          issues: record.issues,
          origin: record.origin,
          truncated: record.truncated,
          profile: record.profile,
          ...(flags.out === undefined ? { content: content.toString('utf8') } : { contentFile: flags.out }),
        });
        return;
      }
      ctx.out.line(
        `${entry.id} (${entry.status}) ${entry.resourceType ?? ''} from ${entry.file} line ${entry.line}`,
      );
      if (entry.resolution !== undefined) {
        ctx.out.line(`resolved ${entry.resolvedAt ?? ''} by ${entry.resolvedBy ?? ''}: ${entry.resolution}`);
      }
      for (const issue of record.issues) {
        ctx.out.line(`  ${issue.code} at ${issue.path}: ${issue.message}`);
      }
      if (flags.out !== undefined) {
        ctx.out.line(
          `original content written to ${flags.out}${record.truncated ? ' (truncated: the record was too large)' : ''}`,
        );
        return;
      }
      ctx.out.line(`original content${record.truncated ? ' (truncated)' : ''}:`);
      ctx.out.line(content.toString('utf8'));
    });

  quarantine
    .command('reingest')
    .description('ingest the corrected version of a quarantined record into a new version of the dataset')
    .argument('<dataset>', 'dataset name')
    .argument('<id>', 'record id from `hdh quarantine ls`')
    .requiredOption(
      '--file <file>',
      'the corrected record: a FHIR resource or Bundle entry (JSON), or one CSV row',
    )
    .option('--profile <file>', 'the profile of the first ingest, if it was not the built-in fr-default')
    .option('--json', 'machine-readable answer')
    .action(
      async (dataset: string, id: string, flags: { file: string; profile?: string; json?: boolean }) => {
        const content = await readFile(flags.file).catch((err: unknown) => {
          throw IngestErrors.INGEST_INPUT_NOT_FOUND(`corrected record ${flags.file} cannot be read`, {
            cause: err,
          });
        });
        const profile = flags.profile !== undefined ? await loadProfile(flags.profile) : undefined;
        const result = await withHub({ home: ctx.home(), env: ctx.env }, (hub) =>
          reingestQuarantined(hub, {
            dataset,
            id,
            content,
            actor: ctx.actor,
            ...(profile ? { profile } : {}),
          }),
        );
        if (flags.json) {
          ctx.out.json(result);
          return;
        }
        ctx.out.line(
          `record ${id} re-ingested into dataset ${dataset} version ${result.version} (${result.tables.map((t) => `${t.name} ${t.rows}`).join(', ')})`,
        );
      },
    );

  quarantine
    .command('dismiss')
    .description('close a quarantined record without re-ingesting it; the reason is kept and audited')
    .argument('<dataset>', 'dataset name')
    .argument('<id>', 'record id from `hdh quarantine ls`')
    .requiredOption('--reason <text>', 'why it is dismissed (e.g. "duplicate of another record")')
    .option('--json', 'machine-readable answer')
    .action(async (dataset: string, id: string, flags: { reason: string; json?: boolean }) => {
      if (flags.reason.trim() === '') {
        throw CoreErrors.INPUT_INVALID('--reason must say why the record is dismissed');
      }
      const entry = await withHub({ home: ctx.home(), env: ctx.env }, (hub) =>
        dismissQuarantined(hub, { dataset, id, reason: flags.reason, actor: ctx.actor }),
      );
      if (flags.json) {
        ctx.out.json(entry);
        return;
      }
      ctx.out.line(`record ${id} of ${dataset} dismissed: ${flags.reason}`);
    });
};
