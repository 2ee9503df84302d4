import type { Command } from 'commander';
import {
  APPLICATION_STATES,
  type ApplicationDetail,
  type ApplicationState,
  type DecisionKind,
} from '../../access/index.js';
import { CoreErrors } from '../../core/index.js';
import { allPages, withAccess } from '../access-cli.js';
import type { RegisterCommand } from './types.js';

interface DecideFlags {
  as: string;
  approve?: boolean;
  reject?: boolean;
  requestInfo?: boolean;
  comment?: string;
  disclosureProfile?: string;
  months?: string;
  json?: boolean;
}

export const registerApplications: RegisterCommand = (program: Command, ctx) => {
  const applications = program
    .command('applications')
    .description('access applications: list, show, take under review, decide');

  applications
    .command('ls')
    .description('applications, newest first')
    .option('--state <state>', `only this state (${APPLICATION_STATES.join(', ')})`)
    .option('--as <user>', 'list as this user sees them (default: the local operator)')
    .option('--json', 'machine-readable answer')
    .action(async (flags: { state?: string; as?: string; json?: boolean }) => {
      const state = flags.state;
      if (state !== undefined && !(APPLICATION_STATES as readonly string[]).includes(state)) {
        throw CoreErrors.INPUT_INVALID(`--state "${state}" must be one of ${APPLICATION_STATES.join(', ')}`);
      }
      const list = await withAccess(ctx, flags.as, (access, principal) =>
        allPages((cursor) =>
          access.applications.list(principal, {
            limit: 200,
            ...(cursor === undefined ? {} : { cursor }),
            ...(state === undefined ? {} : { state: state as ApplicationState }),
          }),
        ),
      );
      if (flags.json) {
        ctx.out.json(list);
        return;
      }
      ctx.out.table(
        list.map((a) => ({
          id: a.id,
          state: a.state,
          applicant: a.applicant,
          project: a.project,
          purpose: a.purpose.code,
          'decide by': a.clock?.dueAt,
          permit: a.permitId,
        })),
      );
    });

  applications
    .command('show <id>')
    .description('one application with its events and statutory clock')
    .option('--as <user>', 'read as this user')
    .option('--json', 'machine-readable answer')
    .action(async (id: string, flags: { as?: string; json?: boolean }) => {
      const detail = await withAccess(ctx, flags.as, (access, principal) =>
        access.applications.get(principal, id),
      );
      if (flags.json) {
        ctx.out.json(detail);
        return;
      }
      show((text) => ctx.out.line(text), detail);
    });

  applications
    .command('review <id>')
    .description('take a submitted application under review, as the reviewer named by --as')
    .requiredOption('--as <reviewer>', 'the reviewer taking it (separation of duties is checked)')
    .option('--json', 'machine-readable answer')
    .action(async (id: string, flags: { as: string; json?: boolean }) => {
      const detail = await withAccess(ctx, flags.as, (access, principal) =>
        access.applications.review(principal, id),
      );
      if (flags.json) {
        ctx.out.json(detail);
        return;
      }
      ctx.out.line(`application ${detail.id} is ${detail.state} (reviewer ${detail.reviewer ?? '-'})`);
    });

  applications
    .command('decide <id>')
    .description('approve (issues the permit), reject, or request information, as the reviewer named by --as')
    .requiredOption('--as <reviewer>', 'the reviewer deciding (separation of duties is checked)')
    .option('--approve', 'approve and issue the permit')
    .option('--reject', 'reject (needs --comment)')
    .option('--request-info', 'ask the applicant for more information (needs --comment)')
    .option('--comment <text>', 'the reasons')
    .option('--disclosure-profile <name>', 'approval: the disclosure-control profile of the permit')
    .option('--months <n>', 'approval: the permit duration in months (default: as requested)')
    .option('--json', 'machine-readable answer')
    .action(async (id: string, flags: DecideFlags) => {
      const chosen: DecisionKind[] = [
        ...(flags.approve ? (['approve'] as const) : []),
        ...(flags.reject ? (['reject'] as const) : []),
        ...(flags.requestInfo ? (['request-info'] as const) : []),
      ];
      if (chosen.length !== 1) {
        throw CoreErrors.INPUT_INVALID('give exactly one of --approve, --reject, --request-info');
      }
      const months = flags.months === undefined ? undefined : Number(flags.months);
      if (months !== undefined && (!Number.isInteger(months) || months < 1)) {
        throw CoreErrors.INPUT_INVALID(`--months "${flags.months}" must be a whole number of months`);
      }
      const permit = {
        ...(flags.disclosureProfile === undefined ? {} : { disclosureProfile: flags.disclosureProfile }),
        ...(months === undefined ? {} : { durationMonths: months }),
      };
      const detail = await withAccess(ctx, flags.as, (access, principal) =>
        access.applications.decide(principal, id, {
          decision: chosen[0]!,
          ...(flags.comment === undefined ? {} : { comment: flags.comment }),
          ...(Object.keys(permit).length === 0 ? {} : { permit }),
        }),
      );
      if (flags.json) {
        ctx.out.json(detail);
        return;
      }
      ctx.out.line(
        `application ${detail.id} is ${detail.state}${detail.permitId ? `; permit ${detail.permitId} issued` : ''}`,
      );
    });
};

function show(line: (text?: string) => void, a: ApplicationDetail): void {
  line(`application ${a.id}: ${a.project}`);
  line(`  state:       ${a.state}`);
  line(`  applicant:   ${a.applicant} (team: ${a.team.join(', ')})`);
  line(`  purpose:     ${a.purpose.code} — ${a.purpose.label}`);
  line(`  duration:    ${a.durationMonths} months`);
  for (const d of a.datasets) {
    const tables = d.tables.map((t) => `${t.name}(${t.columns.join(', ')})`).join('; ');
    line(`  dataset:     ${d.dataset}${d.version ? `@${d.version}` : ''} ${tables}`);
  }
  if (a.clock) {
    const state = a.clock.decided
      ? 'decided'
      : a.clock.stopped
        ? `stopped, information requested (${a.clock.stoppedDays} days so far)`
        : `${a.clock.remainingDays} days left${a.clock.overdue ? ' (OVERDUE)' : ''}`;
    line(
      `  clock:       started ${a.clock.startedAt}, decide by ${a.clock.dueAt}${a.clock.extended ? ' (extended)' : ''}: ${state}`,
    );
  }
  if (a.permitId) {
    line(`  permit:      ${a.permitId}`);
  }
  line('  events:');
  for (const e of a.events) {
    line(
      `    ${e.at}  ${e.actor}  ${e.kind}${e.toState ? ` → ${e.toState}` : ''}${e.comment ? `: ${e.comment}` : ''}`,
    );
  }
}
