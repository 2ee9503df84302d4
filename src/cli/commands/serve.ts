import { withHub } from '../../hub/index.js';
import { announceKeys, runUntilSignal, type ServeFlags } from '../serve-hub.js';
import type { RegisterCommand } from './types.js';

export const registerServe: RegisterCommand = (program, ctx) => {
  program
    .command('serve')
    .description(
      'run the REST API of the hub in --home as hdh.yaml configures it (database, stores, keys); no demo data',
    )
    .option('--host <host>', 'address to listen at (default: server.host in hdh.yaml)')
    .option('--port <port>', 'port to listen at; 0 picks a free one (default: server.port in hdh.yaml)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default: log.level)')
    .addHelpText(
      'after',
      '\nThe keyring passphrase comes from HDH_KEYRING_PASSPHRASE (or the HSM PIN from its pinEnv), else it is\n' +
        'asked for on the terminal. Stop with SIGINT or SIGTERM.',
    )
    .action(async (flags: ServeFlags) => {
      await withHub({ home: ctx.home(), env: ctx.env }, async (hub) => {
        ctx.out.line(`hub:      ${hub.home} (database ${hub.db.displayUrl})`);
        await announceKeys(ctx, hub);
        await runUntilSignal(ctx, hub, flags, hub.config.log.level);
      });
    });
};
