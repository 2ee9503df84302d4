import {
  ensureDemoAccounts,
  ensureDemoData,
  ensureDemoHub,
  withHub,
  type DemoAccount,
} from '../../hub/index.js';
import { CoreErrors } from '../../core/index.js';
import type { CliContext } from '../context.js';
import { announceKeys, parsePort, runUntilSignal, type ServeFlags } from '../serve-hub.js';
import type { RegisterCommand } from './types.js';

export const registerStart: RegisterCommand = (program, ctx) => {
  program
    .command('start')
    .description(
      'what `npm start` runs: create a demo hub in --home (default ./.hdh) on first use, with one account per role, and serve it',
    )
    .option('--host <host>', 'address to listen at (default: server.host, 127.0.0.1)')
    .option('--port <port>', 'port to listen at; 0 picks a free one (default: server.port, 8080)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'warn')
    .addHelpText(
      'after',
      '\nFor trying hdh: the hub uses a development keyring. Real deployments use `hdh init` and `hdh serve`.',
    )
    .action(async (flags: ServeFlags) => {
      const home = ctx.home();
      const port = parsePort(flags.port);
      const created = await ensureDemoHub({
        home,
        env: ctx.env,
        actor: ctx.actor,
        ...(port === undefined || port === 0 ? {} : { port }),
      });
      await withHub({ home, env: ctx.env, prompt: false }, async (hub) => {
        ctx.out.line(`hub:      ${hub.home}${created ? ' (created now)' : ''}`);
        const keys = await announceKeys(ctx, hub);
        // Demo accounts and data belong in a hub made for trying hdh, never in a real one.
        if (!keys.development) {
          throw CoreErrors.INPUT_INVALID(
            `${hub.home} holds a hub with real keys, not a demo hub: run it with \`hdh serve\`, or point \`hdh start\` at another --home`,
          );
        }
        const ingested = await ensureDemoData(hub, ctx.actor, { onStep: (text) => ctx.out.line(text) });
        if (ingested === undefined) {
          ctx.out.line('data:     the demo dataset is in the catalogue');
        } else {
          const s = ingested.summary;
          ctx.out.line(
            `data:     ${ingested.dataset} v${ingested.version ?? '-'}: ${ingested.persons} persons, ${s.accepted} records accepted, ${s.quarantined} quarantined`,
          );
        }
        printAccounts(ctx, await ensureDemoAccounts(hub, ctx.actor));
        await runUntilSignal(ctx, hub, flags, flags.logLevel ?? 'warn');
      });
    });
};

function printAccounts(ctx: CliContext, accounts: readonly DemoAccount[]): void {
  const fresh = accounts.filter((a) => a.password !== undefined);
  if (fresh.length > 0) {
    ctx.out.line('');
    ctx.out.line('Demo accounts (the passwords are shown this once and kept nowhere in clear):');
    ctx.out.table(
      fresh.map((a) => ({ user: a.name, role: a.role, password: a.password })),
      ['user', 'role', 'password'],
    );
    ctx.out.line('');
  } else {
    ctx.out.line(
      `accounts: ${accounts.map((a) => a.name).join(', ')} (passwords were shown at the first start)`,
    );
  }
}
