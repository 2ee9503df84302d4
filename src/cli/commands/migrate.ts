import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { Principal } from '../../access/index.js';
import { CoreErrors, formatBytes, parseRate } from '../../core/index.js';
import { copyOptions, HubMigrations, planRefusal, storePrefix, type Hub } from '../../hub/index.js';
import {
  formatDuration,
  loadClassMap,
  preferSmallHeap,
  addResults,
  type PlanReport,
  type RunOptions,
  type RunProgress,
  type RunResult,
} from '../../migration/index.js';
import { DATA_CLASSES } from '../../sovereignty/index.js';
import { withAccess } from '../access-cli.js';
import type { CliContext } from '../context.js';
import type { RegisterCommand } from './types.js';

/** Runs `fn` with the hub's migration service, as the CLI principal. */
export async function withMigrations<T>(
  ctx: CliContext,
  fn: (migrations: HubMigrations, principal: Principal, hub: Hub) => Promise<T>,
): Promise<T> {
  return withAccess(ctx, undefined, (access, principal, hub) =>
    fn(new HubMigrations(hub, access.authorizer), principal, hub),
  );
}

function printPlan(ctx: CliContext, plan: PlanReport): void {
  ctx.out.line(`migration ${plan.name}: ${plan.state}`);
  ctx.out.line(
    `  from ${plan.source.store}:${plan.source.prefix} (${plan.source.provider}${plan.source.legacy ? ', legacy' : ''}; ${plan.source.listedFrom})`,
  );
  ctx.out.line(`  to   ${plan.destination.store}:${plan.destination.prefix} (${plan.destination.provider})`);
  ctx.out.line(
    `  ${plan.objects} objects, ${formatBytes(plan.bytes)}; to copy: ${plan.toCopy.objects} objects, ${formatBytes(plan.toCopy.bytes)}`,
  );
  ctx.out.line('');
  ctx.out.table(
    plan.sizeClasses.map((c) => ({ size: c.label, objects: c.objects, bytes: formatBytes(c.bytes) })),
    ['size', 'objects', 'bytes'],
  );
  ctx.out.line('');
  ctx.out.table(
    plan.phases.map((p) => ({
      phase: p.phase,
      class: p.class,
      objects: p.objects,
      bytes: formatBytes(p.bytes),
      units: p.units,
    })),
    ['phase', 'class', 'objects', 'bytes', 'units'],
  );
  for (const b of plan.blocked) {
    ctx.out.line('');
    ctx.out.line(
      `not copied, ${b.code}: ${b.objects} objects (${formatBytes(b.bytes)}), e.g. ${b.examples.slice(0, 3).join(', ')}`,
    );
  }
  for (const r of plan.refused) {
    ctx.out.line('');
    ctx.out.line(`REFUSED: ${plan.destination.store} may not hold ${r.class} (${r.objects} objects)`);
    for (const reason of r.reasons) {
      ctx.out.line(`  ${reason}`);
    }
  }
  const e = plan.estimate;
  ctx.out.line('');
  ctx.out.line(
    `estimate: ${formatDuration(e.seconds)} at ${formatBytes(e.bytesPerSecond)}/s and ${e.objectsPerSecond} objects/s; egress ${e.egressGb} GB × ${e.pricePerGb} = ${e.egressCost}`,
  );
}

function runOptions(flags: RunFlags, signal: AbortSignal): RunOptions {
  return { signal, ...copyOptions(flags) };
}

interface RunFlags {
  phase?: string;
  workers?: string;
  bwlimit?: string;
  maxTransfer?: string;
  maxDuration?: string;
  json?: boolean;
}

/** Progress on stderr: a bar on a terminal, JSON lines with --json, nothing otherwise. */
function progressReporter(
  ctx: CliContext,
  json: boolean,
): { onProgress: (p: RunProgress) => void; stop: () => void } {
  if (json) {
    return {
      onProgress: (p) => void ctx.out.stderr.write(`${JSON.stringify({ progress: p })}\n`),
      stop: () => undefined,
    };
  }
  const stream = ctx.out.stderr;
  if (!(stream as { isTTY?: boolean }).isTTY) {
    return { onProgress: () => undefined, stop: () => undefined };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        '{bar} {percentage}% | {objects} objects | {done}/{total} | {rate}/s | ETA {eta_text} | {failed} errors | {concurrency} at once',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (p) => {
      const payload = {
        objects: `${p.objectsDone}/${p.objectsTotal}`,
        done: formatBytes(p.bytesDone),
        total: formatBytes(p.bytesTotal),
        rate: formatBytes(p.rate),
        eta_text: p.etaSeconds === undefined ? '?' : formatDuration(p.etaSeconds),
        failed: p.failed,
        concurrency: p.concurrency,
      };
      if (!started) {
        bar.start(Math.max(1, p.bytesTotal), p.bytesDone, payload);
        started = true;
      } else {
        bar.update(p.bytesDone, payload);
      }
    },
    stop: () => {
      if (started) {
        bar.stop();
      }
    },
  };
}

/** Starts `hdh worker --migration NAME --json` beside this process and resolves with its result. */
async function spawnWorker(ctx: CliContext, name: string, flags: RunFlags): Promise<RunResult> {
  const bin = fileURLToPath(new URL('../../../bin/hdh.js', import.meta.url));
  const args = [bin, '--home', ctx.home(), 'worker', '--migration', name, '--json'];
  if (flags.workers !== undefined) {
    args.push('--workers', flags.workers);
  }
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...ctx.env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  try {
    return JSON.parse(out) as RunResult;
  } catch {
    throw CoreErrors.INTERNAL_ERROR(
      `a worker process of migration ${name} ended with code ${String(code)} and no result`,
    );
  }
}

/** Ctrl-C stops a run cleanly: objects in flight are left to resume. */
function interruptible(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const stop = (): void => controller.abort(CoreErrors.OPERATION_ABORTED('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

function printRun(ctx: CliContext, r: RunResult, what: string): void {
  ctx.out.line(
    `${what}: ${r.copied} copied, ${r.failed} failed, ${r.changed} changed during their copy; ${formatBytes(r.bytesRead)} read in ${formatDuration(r.elapsedMs / 1000)} (${formatBytes((r.bytesRead / Math.max(1, r.elapsedMs)) * 1000)}/s), ${r.retries} retries, ${r.throttles} throttled${r.stoppedBy === 'completed' ? '' : `; stopped: ${r.stoppedBy}`}`,
  );
}

export const registerMigrate: RegisterCommand = (program: Command, ctx, setExitCode) => {
  const migrate = program
    .command('migrate')
    .description(
      'move a prefix of one store to another: plan, copy (sealed), verify, sync, cut over, decommission',
    );

  migrate
    .command('plan <name>')
    .description(
      'list the source (or read an Azure Blob Inventory) into the journal, classify, check placement, estimate',
    )
    .requiredOption('--from <store:prefix>', 'source store and prefix')
    .requiredOption('--to <store:prefix>', 'destination store and prefix')
    .option('--inventory <file>', 'Azure Blob Inventory export (.csv or .parquet) read instead of listing')
    .option('--class-map <file>', 'YAML/JSON map of key prefixes to data classes (and datasets)')
    .option('--default-class <class>', 'class of objects neither the hub records nor the class map place')
    .option('--default-dataset <name>', 'dataset of objects that have none (default: the migration name)')
    .option('--price-per-gb <price>', 'egress price per GB, for the cost estimate', '0')
    .option('--expected-rate <rate>', 'copy rate for the duration estimate', '100MiB/s')
    .option('--expected-ops <n>', 'objects per second the destination accepts', '300')
    .option('--json', 'machine-readable answer')
    .action(async (name: string, flags: Record<string, string | boolean | undefined>) => {
      preferSmallHeap();
      const report = await withMigrations(ctx, async (migrations, principal) => {
        const classMapFile = flags['classMap'] as string | undefined;
        return migrations.plan(principal, {
          name,
          from: storePrefix(flags['from'] as string, '--from'),
          to: storePrefix(flags['to'] as string, '--to'),
          ...(flags['inventory'] ? { inventory: flags['inventory'] as string } : {}),
          ...(classMapFile ? { classMap: loadClassMap(classMapFile, DATA_CLASSES) } : {}),
          ...(flags['defaultClass'] ? { defaultClass: flags['defaultClass'] as string } : {}),
          ...(flags['defaultDataset'] ? { defaultDataset: flags['defaultDataset'] as string } : {}),
          estimate: {
            pricePerGb: Number(flags['pricePerGb']),
            bytesPerSecond: parseRate(flags['expectedRate'] as string, '--expected-rate'),
            objectsPerSecond: Number(flags['expectedOps']),
          },
        });
      });
      if (flags['json']) {
        ctx.out.json(report);
      } else {
        printPlan(ctx, report);
      }
      const refusal = planRefusal(report);
      if (refusal !== undefined) {
        throw refusal;
      }
    });

  const addRunFlags = (c: Command): Command =>
    c
      .option('--phase <class|n>', 'only this phase (a data class or its number)')
      .option('--workers <n>', 'most objects copied at once (AIMD tunes below it)')
      .option('--bwlimit <rate>', 'bytes per second read from the source, e.g. 200MiB/s')
      .option('--max-transfer <size>', 'stop starting new objects after this many bytes, e.g. 5TiB')
      .option('--max-duration <d>', 'stop after this long, e.g. 8h; objects in flight resume later')
      .option('--json', 'JSON progress lines on stderr and a JSON result');

  addRunFlags(
    migrate.command('run <name>').description('copy what is pending; resumes whatever an earlier run left'),
  )
    .option('--processes <n>', 'processes copying on this machine, this one included: one per core', '1')
    .action(async (name: string, flags: RunFlags & { processes: string }) => {
      const processes = Number(flags.processes);
      if (!Number.isInteger(processes) || processes < 1) {
        throw CoreErrors.INPUT_INVALID(`--processes ${flags.processes} is not a positive whole number`);
      }
      const stop = interruptible();
      const progress = progressReporter(ctx, flags.json === true);
      try {
        const result = await withMigrations(ctx, async (migrations, principal) => {
          await migrations.start(principal, name);
          // The other processes are `hdh worker`s leasing from the same journal; like this one,
          // they stop when no unit is left.
          const helpers = Array.from({ length: processes - 1 }, () => spawnWorker(ctx, name, flags));
          const own = await migrations.run(principal, name, {
            ...runOptions(flags, stop.signal),
            onProgress: progress.onProgress,
          });
          const others = await Promise.all(helpers);
          // Elapsed time is this process's: the others ran beside it.
          return others.reduce((sum, r) => ({ ...addResults(sum, r), elapsedMs: sum.elapsedMs }), own);
        });
        progress.stop();
        if (flags.json) {
          ctx.out.json(result);
        } else {
          printRun(ctx, result, `run ${name}`);
        }
        if (result.failed > 0) {
          setExitCode(1);
        }
      } finally {
        progress.stop();
        stop.dispose();
      }
    });

  addRunFlags(
    migrate
      .command('sync <name>')
      .description('copy what was created or changed at the source since the last pass'),
  ).action(async (name: string, flags: RunFlags) => {
    preferSmallHeap();
    const stop = interruptible();
    const progress = progressReporter(ctx, flags.json === true);
    try {
      const result = await withMigrations(ctx, (migrations, principal) =>
        migrations.sync(principal, name, {
          ...runOptions(flags, stop.signal),
          onProgress: progress.onProgress,
        }),
      );
      progress.stop();
      if (flags.json) {
        ctx.out.json(result);
      } else {
        ctx.out.line(
          `sync ${name}: ${result.found.added} new, ${result.found.changed} changed, ${result.found.deleted} deleted at the source`,
        );
        printRun(ctx, result.copy, 'copied');
      }
      if (result.copy.failed > 0) {
        setExitCode(1);
      }
    } finally {
      progress.stop();
      stop.dispose();
    }
  });

  migrate
    .command('verify <name>')
    .description(
      'check the destination against the journal; exits 1 on any missing, extra or mismatched object',
    )
    .option('--deep', 're-read and open every destination object')
    .option('--source', 're-read the source too (costs egress)')
    .option('--json', 'machine-readable answer')
    .action(async (name: string, flags: { deep?: boolean; source?: boolean; json?: boolean }) => {
      const report = await withMigrations(ctx, (migrations, principal) =>
        migrations.verify(principal, name, {
          deep: flags.deep === true,
          source: flags.source === true,
        }),
      );
      if (flags.json) {
        ctx.out.json(report);
      } else {
        ctx.out.line(
          `verify ${name}${report.deep ? ' --deep' : ''}${report.source ? ' --source' : ''}: ${report.clean ? 'clean' : 'NOT clean'} — ${report.verified} verified, ${report.missing} missing, ${report.extra} extra, ${report.mismatched} mismatched, ${report.notCopied} not copied, ${report.unreadable} unreadable`,
        );
        for (const f of report.findings.slice(0, 100)) {
          ctx.out.line(`  ${f.kind}: ${f.key} — ${f.detail}`);
        }
        const more =
          report.missing + report.extra + report.mismatched + report.notCopied + report.unreadable - 100;
        if (more > 0) {
          ctx.out.line(`  … and ${more} more (hdh migrate report ${name})`);
        }
      }
      if (!report.clean) {
        setExitCode(1);
      }
    });

  migrate
    .command('cutover <name>')
    .description("switch the hub's datasets and object records to the destination, in one transaction")
    .option('--json', 'machine-readable answer')
    .action(async (name: string, flags: { json?: boolean }) => {
      const result = await withMigrations(ctx, (migrations, principal) =>
        migrations.cutover(principal, name),
      );
      if (flags.json) {
        ctx.out.json(result);
      } else {
        ctx.out.line(
          `cut over ${name}: datasets ${result.datasets.join(', ') || '(none)'} now in the destination; ${result.recordsMoved} object records moved, ${result.recordsCreated} created`,
        );
      }
    });

  migrate
    .command('rollback <name>')
    .description('switch the datasets back to the source (until it is decommissioned)')
    .option('--json', 'machine-readable answer')
    .action(async (name: string, flags: { json?: boolean }) => {
      const result = await withMigrations(ctx, (migrations, principal) =>
        migrations.rollback(principal, name),
      );
      if (flags.json) {
        ctx.out.json(result);
      } else {
        ctx.out.line(
          `rolled back ${name}: datasets ${result.datasets.join(', ') || '(none)'} back in the source`,
        );
      }
    });

  migrate
    .command('decommission <name>')
    .description('delete the source objects and write a signed certificate that the data has left the source')
    .option('--confirm', 'yes: delete every source object of this migration')
    .option(
      '--out <file>',
      'certificate file (default: NAME-certificate.json in the hub home); the manifest goes beside it',
    )
    .option('--json', 'machine-readable answer')
    .action(async (name: string, flags: { confirm?: boolean; out?: string; json?: boolean }) => {
      const result = await withMigrations(ctx, (migrations, principal) =>
        migrations.decommission(principal, name, {
          confirm: flags.confirm === true,
          ...(flags.out === undefined ? {} : { out: flags.out }),
        }),
      );
      if (flags.json) {
        ctx.out.json(result);
      } else if (result.certificate !== undefined) {
        ctx.out.line(
          `decommissioned ${name}: ${result.deleted} source objects deleted; certificate ${result.certificateFile} (manifest ${result.manifestFile}, SHA-256 ${result.certificate.certificate.manifestSha256})`,
        );
      } else {
        ctx.out.line(`${result.deleted} source objects deleted, ${result.failed.length} could not be:`);
        for (const f of result.failed.slice(0, 20)) {
          ctx.out.line(`  ${f.key}: ${f.code} ${f.message}`);
        }
        ctx.out.line('run the command again to finish; no certificate was written');
      }
      if (result.certificate === undefined) {
        setExitCode(1);
      }
    });

  migrate
    .command('status <name>')
    .description('counts per phase and state, errors, last verify and sync')
    .option('--json', 'machine-readable answer')
    .action(async (name: string, flags: { json?: boolean }) => {
      const status = await withMigrations(ctx, (migrations, principal) => migrations.status(principal, name));
      if (flags.json) {
        ctx.out.json(status);
        return;
      }
      ctx.out.line(
        `migration ${status.name}: ${status.state}; ${status.objects} objects, ${formatBytes(status.bytes)}`,
      );
      ctx.out.table(
        status.phases.map((p) => ({
          phase: p.phase,
          class: p.class,
          objects: p.objects,
          bytes: formatBytes(p.bytes),
          ...Object.fromEntries(Object.entries(p.states).map(([s, v]) => [s, v.objects])),
        })),
      );
      for (const e of status.errors) {
        ctx.out.line(`${e.state} ${e.code}: ${e.objects}`);
      }
      if (status.lastVerify) {
        ctx.out.line(
          `last verify ${String(status.lastVerify['at'])}: ${status.lastVerify['clean'] ? 'clean' : 'NOT clean'}`,
        );
      }
      if (status.lastSync) {
        ctx.out.line(`last sync ${status.lastSync.at}: ${status.lastSync.found} found`);
      }
    });

  migrate
    .command('report <name>')
    .description('the migration report: phases, throughput, retries, errors, verification, timeline')
    .option('--format <format>', 'json, md or html', 'md')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (name: string, flags: { format: string; out?: string }) => {
      if (!['json', 'md', 'html'].includes(flags.format)) {
        throw CoreErrors.INPUT_INVALID(`--format ${flags.format} is not json, md or html`);
      }
      const text = await withMigrations(ctx, (migrations, principal) =>
        migrations.report(principal, name, flags.format as 'json' | 'md' | 'html'),
      );
      if (flags.out) {
        await writeFile(flags.out, text);
      } else {
        ctx.out.stdout.write(text);
      }
    });
};

export { progressReporter, interruptible, printRun };
