import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { withHub } from '../../hub/index.js';
import type { RegisterCommand } from './types.js';

export const registerAudit: RegisterCommand = (program: Command, ctx, setExitCode) => {
  const audit = program.command('audit').description('the tamper-evident audit log: verify and export');

  audit
    .command('verify')
    .description('walk the hash chain; exits 1 naming the first entry that was changed, removed or inserted')
    .option('--json', 'machine-readable answer')
    .action(async (opts: { json?: boolean }) => {
      const result = await withHub({ home: ctx.home(), env: ctx.env }, (hub) => hub.audit.verify());
      if (opts.json) {
        ctx.out.json(result);
      } else if (result.ok) {
        ctx.out.line(
          `audit log intact: ${result.entries} entries, head #${result.headSeq} ${result.headHash}`,
        );
      } else {
        const bad = result.firstBad!;
        ctx.out.line(`audit log BROKEN at entry #${bad.seq} (${bad.id}): ${bad.reason}`);
        ctx.out.line(`${result.entries} entries before it verify.`);
      }
      if (!result.ok) {
        setExitCode(1);
      }
    });

  audit
    .command('export')
    .description('write the audit log as JSON lines (one entry per line, in order)')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--since <iso-time>', 'only entries at or after this time')
    .option('--action <action>', 'only this action (a trailing * matches a prefix, e.g. keys.*)')
    .option('--actor <actor>', 'only entries by this actor')
    .action(async (opts: { out?: string; since?: string; action?: string; actor?: string }) => {
      await withHub({ home: ctx.home(), env: ctx.env }, async (hub) => {
        const sink = opts.out ? createWriteStream(opts.out, { flags: 'wx', mode: 0o600 }) : ctx.out.stdout;
        let n = 0;
        for await (const entry of hub.audit.entries({
          ...(opts.since ? { since: opts.since } : {}),
          ...(opts.action ? { action: opts.action } : {}),
          ...(opts.actor ? { actor: opts.actor } : {}),
        })) {
          if (!sink.write(`${JSON.stringify(entry)}\n`)) {
            await once(sink, 'drain');
          }
          n++;
        }
        if (opts.out) {
          sink.end();
          await once(sink, 'finish');
          ctx.out.stderr.write(`${n} entries written to ${opts.out}\n`);
        }
      });
    });
};
