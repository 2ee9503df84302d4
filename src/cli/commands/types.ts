import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export type RegisterCommand = (
  program: Command,
  ctx: CliContext,
  setExitCode: (code: number) => void,
) => void;
