import type { Command } from 'commander';
import { parseDuration, parseRate } from '../../core/index.js';
import { interruptible, printRun, progressReporter, withMigrations } from './migrate.js';
import type { RegisterCommand } from './types.js';

export const registerWorker: RegisterCommand = (program: Command, ctx, setExitCode) => {
  program
    .command('worker')
    .description(
      'copy objects of running migrations, leasing units of work from the journal (scale-out on PostgreSQL)',
    )
    .option('--migration <name...>', 'only these migrations (default: every running one)')
    .option('--workers <n>', 'most objects copied at once by this process (AIMD tunes below it)')
    .option('--bwlimit <rate>', 'bytes per second read from sources by this process')
    .option('--lease <duration>', 'lease length, renewed every third of it (default 60s)')
    .option('--follow', 'keep waiting for work when there is none, instead of exiting')
    .option('--json', 'JSON progress lines on stderr and a JSON result')
    .action(
      async (flags: {
        migration?: string[];
        workers?: string;
        bwlimit?: string;
        lease?: string;
        follow?: boolean;
        json?: boolean;
      }) => {
        const stop = interruptible();
        const progress = progressReporter(ctx, flags.json === true);
        try {
          const result = await withMigrations(ctx, (migrations, principal) =>
            migrations.work(principal, {
              signal: stop.signal,
              onProgress: progress.onProgress,
              ...(flags.migration ? { migrations: flags.migration } : {}),
              ...(flags.workers !== undefined ? { workers: Number(flags.workers) } : {}),
              ...(flags.bwlimit !== undefined ? { bwlimit: parseRate(flags.bwlimit, '--bwlimit') } : {}),
              ...(flags.lease !== undefined ? { leaseMs: parseDuration(flags.lease, '--lease') } : {}),
              ...(flags.follow ? { follow: true } : {}),
            }),
          );
          progress.stop();
          if (flags.json) {
            ctx.out.json(result);
          } else {
            printRun(ctx, result, `worker ${result.owner}`);
          }
          if (result.failed > 0) {
            setExitCode(1);
          }
        } finally {
          progress.stop();
          stop.dispose();
        }
      },
    );
};
