import type { Command } from 'commander';
import { PERMIT_STATUSES, type PermitStatus, type PermitView } from '../../access/index.js';
import { CoreErrors } from '../../core/index.js';
import { allPages, withAccess } from '../access-cli.js';
import type { CliContext } from '../context.js';
import type { RegisterCommand } from './types.js';

export const registerPermits: RegisterCommand = (program: Command, ctx) => {
  const permits = program.command('permits').description('data permits: list, revoke');

  permits
    .command('ls')
    .description('permits, newest first; the status is as of now (an expired permit says so)')
    .option('--status <status>', `only this status (${PERMIT_STATUSES.join(', ')})`)
    .option('--application <id>', 'only the permit of this application')
    .option('--as <user>', 'list as this user sees them (default: the local operator)')
    .option('--json', 'machine-readable answer')
    .action(async (flags: { status?: string; application?: string; as?: string; json?: boolean }) => {
      const status = flags.status;
      if (status !== undefined && !(PERMIT_STATUSES as readonly string[]).includes(status)) {
        throw CoreErrors.INPUT_INVALID(`--status "${status}" must be one of ${PERMIT_STATUSES.join(', ')}`);
      }
      const list = await withAccess(ctx, flags.as, (access, principal) =>
        allPages((cursor) =>
          access.permits.list(principal, {
            limit: 200,
            ...(cursor === undefined ? {} : { cursor }),
            ...(status === undefined ? {} : { status: status as PermitStatus }),
            ...(flags.application === undefined ? {} : { applicationId: flags.application }),
          }),
        ),
      );
      if (flags.json) {
        ctx.out.json(list);
        return;
      }
      printPermits(ctx, list);
    });

  permits
    .command('revoke <id>')
    .description('revoke a permit for good; it stops at once, for the API and the CLI alike')
    .requiredOption('--reason <text>', 'why (kept in the permit and the audit log)')
    .option('--as <user>', 'revoke as this reviewer or operator (default: the local operator)')
    .option('--json', 'machine-readable answer')
    .action(async (id: string, flags: { reason: string; as?: string; json?: boolean }) => {
      const permit = await withAccess(ctx, flags.as, (access, principal) =>
        access.permits.revoke(principal, id, flags.reason),
      );
      if (flags.json) {
        ctx.out.json(permit);
        return;
      }
      printPermits(ctx, [permit]);
    });
};

function printPermits(ctx: CliContext, permits: readonly PermitView[]): void {
  ctx.out.table(
    permits.map((p) => ({
      id: p.id,
      status: p.status,
      application: p.applicationId,
      persons: p.persons.join(','),
      datasets: p.scope.map((s) => `${s.dataset}@${s.version}`).join(','),
      ends: p.endsAt,
      'days left': p.remainingDays,
    })),
  );
}
