import type { Command } from 'commander';
import { CoreErrors } from '../../core/index.js';
import { keysStatus, rotateMasterKey, shredDataset, withHub } from '../../hub/index.js';
import type { RegisterCommand } from './types.js';

export const registerKeys: RegisterCommand = (program: Command, ctx) => {
  const keys = program.command('keys').description('the master key and the per-dataset keys');

  keys
    .command('status')
    .description('where the master key lives, its versions, and the key of every dataset')
    .option('--json', 'machine-readable answer')
    .action(async (flags: { json?: boolean }) => {
      const status = await withHub({ home: ctx.home(), env: ctx.env }, keysStatus);
      if (flags.json) {
        ctx.out.json(status);
        return;
      }
      const p = status.provider;
      ctx.out.line(`provider:    ${p.kind} — ${p.location}`);
      ctx.out.line(
        `extractable: ${p.extractable ? 'YES' : 'no'}; pseudonym HMAC ${p.hmacInside ? 'inside the provider' : 'in process memory'}`,
      );
      ctx.out.line(`access:      ${p.access}`);
      if (p.development) {
        ctx.out.warn('development keyring: its passphrase is stored in the hub home. For trying hdh only.');
      }
      ctx.out.line('');
      ctx.out.table(
        p.masterKeys.map((k) => ({ masterKey: k.id, state: k.state, created: k.createdAt })),
        ['masterKey', 'state', 'created'],
      );
      ctx.out.line('');
      if (status.datasets.length === 0) {
        ctx.out.line('no dataset keys yet');
      } else {
        ctx.out.table(
          status.datasets.flatMap((d) =>
            d.keys.map((k) => ({
              dataset: d.dataset,
              keyId: k.keyId,
              state: k.state,
              masterKey: k.masterKeyId,
              created: k.createdAt,
            })),
          ),
          ['dataset', 'keyId', 'state', 'masterKey', 'created'],
        );
      }
    });

  keys
    .command('rotate-master')
    .description('create a new master key and re-wrap every dataset key under it; objects are not touched')
    .option('--json', 'machine-readable answer')
    .action(async (flags: { json?: boolean }) => {
      const result = await withHub({ home: ctx.home(), env: ctx.env }, (hub) =>
        rotateMasterKey(hub, ctx.actor),
      );
      if (flags.json) {
        ctx.out.json(result);
        return;
      }
      ctx.out.line(
        `master key rotated: now ${result.current}; ${result.rewrapped} dataset key(s) re-wrapped`,
      );
      if (result.previous.length > 0) {
        ctx.out.line(`retired: ${result.previous.join(', ')}`);
      }
    });

  keys
    .command('shred')
    .description(
      'destroy a dataset key: every object of the dataset becomes unreadable, for ever (crypto-shredding)',
    )
    .argument('<dataset>', 'dataset whose key to destroy')
    .option('--confirm', 'required when not asked on a terminal: this cannot be undone')
    .option('--json', 'machine-readable answer')
    .action(async (dataset: string, flags: { confirm?: boolean; json?: boolean }) => {
      if (!flags.confirm) {
        if (!process.stdin.isTTY) {
          throw CoreErrors.INPUT_INVALID(`shredding "${dataset}" cannot be undone: add --confirm`);
        }
        const { createInterface } = await import('node:readline/promises');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(`Type the dataset name to destroy its key for ever (${dataset}): `);
        rl.close();
        if (answer.trim() !== dataset) {
          throw CoreErrors.INPUT_INVALID('the name typed differs; nothing was destroyed');
        }
      }
      const result = await withHub({ home: ctx.home(), env: ctx.env }, (hub) =>
        shredDataset(hub, dataset, ctx.actor),
      );
      if (flags.json) {
        ctx.out.json(result);
        return;
      }
      ctx.out.line(
        `dataset "${dataset}": ${result.keyIds.length} key(s) destroyed; its objects can no longer be read`,
      );
      ctx.out.line(
        'Copies of the wrapped key may survive in database backups: run `hdh keys rotate-master` so they become useless.',
      );
    });
};
