import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { CoreErrors, FileBody, editConfigFile, formatBytes, type StoreConfig } from '../../core/index.js';
import {
  classesAllowed,
  HubErrors,
  objectView,
  openObject,
  verifyObjects,
  withHub,
} from '../../hub/index.js';
import { loadSovereignty } from '../../sovereignty/index.js';
import { createStore } from '../../storage/index.js';
import { parseTarget } from '../target.js';
import type { CliContext } from '../context.js';
import type { RegisterCommand } from './types.js';

interface AddFlags {
  type: string;
  provider: string;
  legacy?: boolean;
  root?: string;
  endpoint?: string;
  bucket?: string;
  region?: string;
  pathStyle?: boolean;
  maxParts?: string;
  container?: string;
  accessKeyEnv?: string;
  secretKeyEnv?: string;
  accountNameEnv?: string;
  accountKeyEnv?: string;
  sasTokenEnv?: string;
  json?: boolean;
}

export const registerStore: RegisterCommand = (program: Command, ctx, setExitCode) => {
  const store = program
    .command('store')
    .description('object stores: add one, list, put, get, remove, verify sealed objects');

  store
    .command('add')
    .description(
      'configure a store (fs, s3 or azure-blob), check that it answers, and say which classes of data it may hold',
    )
    .argument('<name>', 'store name (lower case)')
    .requiredOption('--type <type>', 'fs, s3 or azure-blob')
    .requiredOption(
      '--provider <id>',
      'provider id from `hdh sovereignty providers` (e.g. on-premises, ovhcloud)',
    )
    .option(
      '--legacy',
      'written by another system: read-only for the hub, objects not sealed (a migration source)',
    )
    .option('--root <dir>', 'fs: folder (relative paths are relative to the hub home)')
    .option('--endpoint <url>', 's3: service address; azure-blob: account address')
    .option('--bucket <bucket>', 's3: bucket')
    .option('--region <region>', 's3: region', 'us-east-1')
    .option('--path-style', 's3: path-style addressing (most non-AWS providers)')
    .option('--max-parts <n>', 's3: most parts per multipart upload (Scaleway: 1000)', '10000')
    .option('--container <container>', 'azure-blob: container')
    .option(
      '--access-key-env <var>',
      's3: variable holding the access key id (default HDH_STORE_<NAME>_ACCESS_KEY_ID)',
    )
    .option(
      '--secret-key-env <var>',
      's3: variable holding the secret key (default HDH_STORE_<NAME>_SECRET_ACCESS_KEY)',
    )
    .option(
      '--account-name-env <var>',
      'azure-blob: variable holding the account name (default HDH_STORE_<NAME>_ACCOUNT_NAME)',
    )
    .option(
      '--account-key-env <var>',
      'azure-blob: variable holding the account key (default HDH_STORE_<NAME>_ACCOUNT_KEY)',
    )
    .option('--sas-token-env <var>', 'azure-blob: variable holding a SAS token, instead of the account key')
    .option('--json', 'machine-readable answer')
    .addHelpText(
      'after',
      '\nCredentials are read from the environment variables named here, never from arguments.',
    )
    .action(async (name: string, flags: AddFlags) => {
      if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
        throw CoreErrors.INPUT_INVALID(`store name "${name}" must be lower-case letters, digits, "-" or "_"`);
      }
      const config = storeConfigFrom(name, flags);
      const home = ctx.home();
      const loaded = await editConfigFile(
        home,
        (doc) => {
          if (doc.hasIn(['stores', name])) {
            throw HubErrors.HUB_STORE_EXISTS(`a store named "${name}" is already configured in hdh.yaml`);
          }
          doc.setIn(['stores', name], doc.createNode(config));
        },
        {
          env: ctx.env,
          // Refuse what would not work before writing anything: an unknown provider, missing
          // credentials, an endpoint that does not answer.
          beforeWrite: async (candidate) => {
            const sov = loadSovereignty(candidate.config.sovereignty, { file: candidate.file });
            sov.registry.get(config.provider, `--provider`);
            const backend = await createStore(name, candidate.config.stores[name]!, {
              home,
              env: ctx.env,
              ensureContainer: !config.legacy,
            });
            try {
              for await (const _ of backend.list('')) {
                break;
              }
            } finally {
              await backend.close();
            }
          },
        },
      );
      const sov = loadSovereignty(loaded.config.sovereignty, { file: loaded.file });
      const allowed = classesAllowed(sov, name, loaded.config.stores[name]!);
      await withHub({ home, env: ctx.env }, (hub) =>
        hub.audit.record({
          actor: ctx.actor,
          action: 'store.add',
          target: `store:${name}`,
          details: {
            type: config.type,
            provider: config.provider,
            legacy: config.legacy,
            allowedClasses: allowed,
          },
        }),
      );
      if (flags.json) {
        ctx.out.json({ store: name, config, allowedClasses: allowed });
        return;
      }
      ctx.out.line(
        `store "${name}" added (${config.type}, provider ${config.provider}${config.legacy ? ', legacy: read-only' : ''})`,
      );
      ctx.out.line(
        allowed.length > 0
          ? `it may hold: ${allowed.join(', ')}`
          : 'it may hold NO class of data under the current policy: see `hdh sovereignty check --store ' +
              name +
              ' --class …`',
      );
      for (const v of credentialVariables(config)) {
        ctx.out.line(`credentials from: ${v}`);
      }
    });

  store
    .command('ls')
    .description('list objects under a prefix, with their dataset, class and size')
    .argument('<target>', 'STORE:prefix (e.g. local: or local:datasets/x/)')
    .option('--json', 'one JSON object per line')
    .action(async (target: string, flags: { json?: boolean }) => {
      const { store: name, path } = parseTarget(target, 'prefix');
      await withHub({ home: ctx.home(), env: ctx.env }, async (hub) => {
        let count = 0;
        let bytes = 0;
        let unrecorded = 0;
        for await (const o of hub.stores.list(name, path)) {
          count++;
          bytes += o.record?.plainSize ?? o.storedSize;
          if (o.record === undefined) {
            unrecorded++;
          }
          if (flags.json) {
            ctx.out.line(JSON.stringify(objectView(o)));
          } else {
            const r = o.record;
            ctx.out.line(
              [
                o.lastModified.toISOString().slice(0, 19).replace('T', ' '),
                (r ? formatBytes(r.plainSize) : `${formatBytes(o.storedSize)}*`).padStart(10),
                (r?.dataClass ?? '-').padEnd(21),
                (r?.dataset ?? '-').padEnd(20),
                o.key,
              ].join('  '),
            );
          }
        }
        if (!flags.json) {
          ctx.out.stderr.write(
            `${count} object(s), ${formatBytes(bytes)}${unrecorded > 0 ? ` (* ${unrecorded} not recorded by this hub: stored size)` : ''}\n`,
          );
        }
      });
    });

  store
    .command('put')
    .description('seal a file into a store, under a dataset and a data class, through the placement guard')
    .argument('<file>', 'file to store')
    .argument('<target>', 'STORE:key')
    .option('--dataset <name>', 'dataset the object belongs to (created if new)', 'default')
    .option('--class <class>', "data class (default: the dataset's, or identifying-health for a new dataset)")
    .option('--json', 'machine-readable answer')
    .action(
      async (file: string, target: string, flags: { dataset: string; class?: string; json?: boolean }) => {
        const { store: name, path: key } = parseTarget(target, 'key');
        const size = await fileSize(file);
        const record = await withHub({ home: ctx.home(), env: ctx.env }, (hub) =>
          hub.stores.put({
            store: name,
            key,
            body: new FileBody(file),
            size,
            dataset: flags.dataset,
            ...(flags.class !== undefined ? { dataClass: flags.class } : {}),
            actor: ctx.actor,
          }),
        );
        if (flags.json) {
          ctx.out.json(record);
          return;
        }
        ctx.out.line(
          `${name}:${key} sealed: ${formatBytes(record.plainSize)} (${record.dataClass}, dataset ${record.dataset}) sha256 ${record.plainSha256}`,
        );
      },
    );

  store
    .command('get')
    .description('read an object back, authenticated, into a file (or - for standard output)')
    .argument('<target>', 'STORE:key')
    .argument('<file>', 'where to write it; - for standard output')
    .action(async (target: string, file: string) => {
      const { store: name, path: key } = parseTarget(target, 'key');
      await withHub({ home: ctx.home(), env: ctx.env }, async (hub) => {
        const body = await openObject(hub, { store: name, key, actor: ctx.actor });
        if (file === '-') {
          await pipeline(body, ctx.out.stdout, { end: false });
          return;
        }
        await writeAtomically(file, body);
      });
    });

  store
    .command('rm')
    .description('remove an object')
    .argument('<target>', 'STORE:key')
    .action(async (target: string) => {
      const { store: name, path: key } = parseTarget(target, 'key');
      await withHub({ home: ctx.home(), env: ctx.env }, (hub) => hub.stores.remove(name, key, ctx.actor));
      ctx.out.line(`${name}:${key} removed`);
    });

  store
    .command('verify')
    .description('open every sealed object under a prefix through every check; exits 1 if any fails')
    .argument('<target>', 'STORE:prefix')
    .option('--json', 'one JSON object per line')
    .action(async (target: string, flags: { json?: boolean }) => {
      const { store: name, path } = parseTarget(target, 'prefix');
      const failures = await verifyStore(ctx, name, path, flags.json === true);
      if (failures > 0) {
        setExitCode(1);
      }
    });
};

async function verifyStore(ctx: CliContext, name: string, prefix: string, json: boolean): Promise<number> {
  return withHub({ home: ctx.home(), env: ctx.env }, async (hub) => {
    let ok = 0;
    let failed = 0;
    for await (const v of verifyObjects(hub, { store: name, prefix, actor: ctx.actor })) {
      if (v.ok) {
        ok++;
      } else {
        failed++;
      }
      if (json) {
        ctx.out.line(JSON.stringify(v));
      } else if (!v.ok) {
        ctx.out.line(`FAILED  ${v.key}: ${v.code}: ${v.message}`);
      }
    }
    if (!json) {
      ctx.out.line(`${ok} object(s) verified, ${failed} failed`);
    }
    return failed;
  });
}

function storeConfigFrom(name: string, flags: AddFlags): StoreConfig {
  const prefix = `HDH_STORE_${name.toUpperCase().replace(/-/g, '_')}`;
  const common = { provider: flags.provider, legacy: flags.legacy === true };
  const need = (value: string | undefined, option: string): string => {
    if (value === undefined || value === '') {
      throw CoreErrors.INPUT_INVALID(`--type ${flags.type} needs ${option}`);
    }
    return value;
  };
  switch (flags.type) {
    case 'fs':
      return { type: 'fs', root: need(flags.root, '--root DIR'), ...common };
    case 's3': {
      const maxParts = Number(flags.maxParts);
      if (!Number.isInteger(maxParts) || maxParts < 1 || maxParts > 10_000) {
        throw CoreErrors.INPUT_INVALID(
          `--max-parts "${flags.maxParts}" must be a whole number from 1 to 10000`,
        );
      }
      return {
        type: 's3',
        endpoint: need(flags.endpoint, '--endpoint URL'),
        bucket: need(flags.bucket, '--bucket B'),
        region: flags.region ?? 'us-east-1',
        pathStyle: flags.pathStyle === true,
        accessKeyIdEnv: flags.accessKeyEnv ?? `${prefix}_ACCESS_KEY_ID`,
        secretAccessKeyEnv: flags.secretKeyEnv ?? `${prefix}_SECRET_ACCESS_KEY`,
        maxParts,
        maxObjectBytes: 5 * 1024 ** 4,
        ...common,
      };
    }
    case 'azure-blob':
      return {
        type: 'azure-blob',
        endpoint: need(flags.endpoint, '--endpoint URL'),
        container: need(flags.container, '--container C'),
        ...(flags.sasTokenEnv
          ? { sasTokenEnv: flags.sasTokenEnv }
          : {
              accountNameEnv: flags.accountNameEnv ?? `${prefix}_ACCOUNT_NAME`,
              accountKeyEnv: flags.accountKeyEnv ?? `${prefix}_ACCOUNT_KEY`,
            }),
        ...common,
      };
    default:
      throw CoreErrors.INPUT_INVALID(`--type "${flags.type}" must be fs, s3 or azure-blob`);
  }
}

function credentialVariables(config: StoreConfig): string[] {
  switch (config.type) {
    case 's3':
      return [config.accessKeyIdEnv, config.secretAccessKeyEnv];
    case 'azure-blob':
      return [config.sasTokenEnv, config.accountNameEnv, config.accountKeyEnv].filter(
        (v): v is string => v !== undefined,
      );
    case 'fs':
    case 'memory':
      return [];
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    const s = await stat(file);
    if (!s.isFile()) {
      throw CoreErrors.INPUT_INVALID(`${file} is not a regular file`);
    }
    return s.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw CoreErrors.INPUT_NOT_FOUND(`no file ${file}`);
    }
    throw err;
  }
}

/** Writes next to the target then renames, so a failed read never leaves a half file. */
async function writeAtomically(file: string, body: NodeJS.ReadableStream): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.hdh-${process.pid}.tmp`);
  try {
    await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
