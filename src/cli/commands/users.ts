import type { Command } from 'commander';
import { isRole, type UserView } from '../../access/index.js';
import { CoreErrors } from '../../core/index.js';
import { allPages, readStdinSecret, withAccess } from '../access-cli.js';
import type { CliContext } from '../context.js';
import type { RegisterCommand } from './types.js';

interface AddFlags {
  role: string;
  passwordStdin?: boolean;
  displayName?: string;
  email?: string;
  json?: boolean;
}

export const registerUsers: RegisterCommand = (program: Command, ctx) => {
  const users = program
    .command('users')
    .description('local accounts: add, list, disable, enable, reset a second factor (operators)');

  users
    .command('add <name>')
    .description('add a local user; without --password-stdin a password is generated and printed once')
    .requiredOption('--role <role>', 'operator, producer, reviewer, researcher, checker or auditor')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--display-name <text>', 'the person’s name as shown')
    .option('--email <address>', 'contact address')
    .option('--json', 'machine-readable answer')
    .action(async (name: string, flags: AddFlags) => {
      if (!isRole(flags.role)) {
        throw CoreErrors.INPUT_INVALID(
          `--role "${flags.role}" must be one of operator, producer, reviewer, researcher, checker, auditor`,
        );
      }
      const password = flags.passwordStdin ? await readStdinSecret('password', ctx.stdin) : undefined;
      const result = await withAccess(ctx, undefined, (access, principal) =>
        access.users.add(principal, {
          name,
          role: flags.role,
          ...(password === undefined ? {} : { password }),
          ...(flags.displayName === undefined ? {} : { displayName: flags.displayName }),
          ...(flags.email === undefined ? {} : { email: flags.email }),
        }),
      );
      if (flags.json) {
        ctx.out.json(result);
        return;
      }
      ctx.out.line(`user ${result.user.name} added (${result.user.role})`);
      if (result.generatedPassword !== undefined) {
        ctx.out.line(`password: ${result.generatedPassword}`);
        ctx.out.line('It is shown this once and kept nowhere in clear: hand it over now.');
      }
    });

  users
    .command('ls')
    .description('list users')
    .option('--role <role>', 'only this role')
    .option('--all', 'include disabled users')
    .option('--json', 'machine-readable answer')
    .action(async (flags: { role?: string; all?: boolean; json?: boolean }) => {
      const role = flags.role;
      if (role !== undefined && !isRole(role)) {
        throw CoreErrors.INPUT_INVALID(`--role "${role}" is not a hub role`);
      }
      const list = await withAccess(ctx, undefined, (access, principal) =>
        allPages((cursor) =>
          access.users.list(principal, {
            limit: 200,
            ...(cursor === undefined ? {} : { cursor }),
            ...(role === undefined ? {} : { role }),
            ...(flags.all ? { includeDisabled: true } : {}),
          }),
        ),
      );
      if (flags.json) {
        ctx.out.json(list);
        return;
      }
      printUsers(ctx, list);
    });

  const change = (verb: string, description: string, run: 'disable' | 'enable' | 'resetMfa') =>
    users
      .command(`${verb} <name>`)
      .description(description)
      .option('--json', 'machine-readable answer')
      .action(async (name: string, flags: { json?: boolean }) => {
        const user = await withAccess(ctx, undefined, (access, principal) =>
          access.users[run](principal, name),
        );
        if (flags.json) {
          ctx.out.json(user);
          return;
        }
        printUsers(ctx, [user]);
      });
  change('disable', 'disable a user: their sessions end at once', 'disable');
  change('enable', 'enable a user again and clear a lockout', 'enable');
  change('reset-mfa', 'remove a user’s second factor (they enrol again) and end their sessions', 'resetMfa');
};

function printUsers(ctx: CliContext, users: readonly UserView[]): void {
  ctx.out.table(
    users.map((u) => ({
      name: u.name,
      role: u.role,
      source: u.source,
      mfa: u.mfaEnabled ? 'yes' : 'no',
      state: u.disabled ? 'disabled' : u.lockedUntil !== null ? `locked until ${u.lockedUntil}` : 'active',
      'last login': u.lastLoginAt,
    })),
  );
}
