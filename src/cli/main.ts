/**
 * The `hdh` program. Each command lives in commands/<verb>.ts and registers itself on the program.
 * @module
 */
import { Command, CommanderError } from 'commander';
import { createOutput, reportError, type Output } from './output.js';
import { createContext } from './context.js';
import { COMMANDS } from './commands/index.js';

export interface MainOptions {
  readonly out?: Output;
  readonly env?: Record<string, string | undefined>;
  /** Standard input (default process.stdin). */
  readonly stdin?: NodeJS.ReadableStream;
}

export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const out = options.out ?? createOutput();
  const env = options.env ?? process.env;
  const program = new Command('hdh');
  program
    .description('hdh, the sovereign health data hub')
    .option('--home <dir>', 'hub home folder (default: $HDH_HOME, else ./.hdh)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void out.stdout.write(s),
      writeErr: (s) => void out.stderr.write(s),
    });
  const ctx = createContext(out, env, () => program.opts<{ home?: string }>().home, options.stdin);
  let exitCode = 0;
  for (const register of COMMANDS) {
    register(program, ctx, (code) => {
      exitCode = code;
    });
  }
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version output end the program normally; usage errors were already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(out, err);
  }
}
