import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE, CoreErrors, editConfigFile, loadConfig, writeFileAtomic } from '../../core/index.js';
import {
  auditedComplianceReport,
  checkPlacement,
  hubPublicKey,
  providerListing,
  verifyReport,
  withHub,
  type Hub,
} from '../../hub/index.js';
import {
  formatDecision,
  importGaiaXCredentials,
  loadSovereignty,
  qualificationStatuses,
  renderReport,
  type ReportFormat,
} from '../../sovereignty/index.js';
import type { RegisterCommand } from './types.js';

export const registerSovereignty: RegisterCommand = (program: Command, ctx, setExitCode) => {
  const sov = program
    .command('sovereignty')
    .description('provider registry, placement policy, compliance report');

  sov
    .command('providers')
    .description(
      'the provider registry: who each offering is, which laws reach it, its qualifications and evidence',
    )
    .option('--json', 'machine-readable answer (the full entries with their evidence)')
    .action((flags: { json?: boolean }) => {
      const { config, file } = loadConfig(ctx.home(), ctx.env);
      const sovereignty = loadSovereignty(config.sovereignty, { file });
      const { registry } = sovereignty;
      const now = new Date();
      const entries = registry.list();
      if (flags.json) {
        ctx.out.json(providerListing(sovereignty, now));
        return;
      }
      ctx.out.table(
        entries.map((e) => ({
          id: e.id,
          offering: e.name,
          hq: show(e.headquartersCountry),
          control: show(e.control),
          laws: show(e.extraterritorialLaws),
          dataCentres: show(e.dataCentreCountries),
          qualifications: qualificationStatuses(e, now)
            .map((q) => `${q.label}: ${q.state}`)
            .join('; '),
          origin: registry.origin(e.id),
        })),
      );
      ctx.out.line('');
      ctx.out.line(
        '"unknown" means no checked evidence: record facts with evidence under sovereignty.providers in hdh.yaml.',
      );
    });

  sov
    .command('check')
    .description(
      'may this store hold this class of data? The decision and every reason, each naming its requirement',
    )
    .requiredOption('--store <name>', 'a store named in hdh.yaml')
    .requiredOption(
      '--class <class>',
      'public, anonymous-aggregate, pseudonymised-health, identifying-health or key-material',
    )
    .option('--json', 'machine-readable answer')
    .action(async (flags: { store: string; class: string; json?: boolean }) => {
      await withHub({ home: ctx.home(), env: ctx.env }, (hub) => {
        const { store, allowedClasses, ...decision } = checkPlacement(hub, flags.store, flags.class);
        if (flags.json) {
          ctx.out.json({ store, ...decision, allowedClasses });
        } else {
          ctx.out.line(formatDecision(decision, { store }));
        }
        if (!decision.allowed) {
          setExitCode(1);
        }
        return Promise.resolve();
      });
    });

  sov
    .command('report')
    .description(
      'the compliance report: per store, provider and evidence, what it holds, sealed share (scanned), decisions, violations; signed',
    )
    .option('--format <format>', 'json (the signed report), md or html', 'json')
    .option(
      '--out <file>',
      'write to this file (md/html: the signed JSON goes beside it as FILE.signed.json)',
    )
    .action(async (flags: { format: string; out?: string }) => {
      if (flags.format !== 'json' && flags.format !== 'md' && flags.format !== 'html') {
        throw CoreErrors.INPUT_INVALID(`--format "${flags.format}" must be json, md or html`);
      }
      const format: ReportFormat = flags.format;
      const interactive = process.stderr.isTTY;
      const signed = await withHub({ home: ctx.home(), env: ctx.env }, async (hub) => {
        const result = await auditedComplianceReport(hub, ctx.actor, {
          ...(interactive
            ? { onProgress: (store, n) => void ctx.out.stderr.write(`\rscanning ${store}: ${n} objects`) }
            : {}),
        });
        if (interactive) {
          ctx.out.stderr.write('\n');
        }
        return result;
      });
      const signedText = `${JSON.stringify(signed, null, 2)}\n`;
      const text = format === 'json' ? signedText : renderReport(signed.report, format);
      if (flags.out === undefined) {
        ctx.out.stdout.write(text);
      } else {
        await writeFileAtomic(flags.out, text);
        if (format !== 'json') {
          await writeFileAtomic(`${flags.out}.signed.json`, signedText);
        }
        ctx.out.line(
          `report written to ${flags.out}${format !== 'json' ? ` (signed: ${flags.out}.signed.json)` : ''}; digest ${signed.signature.digest}; ${signed.report.violations.length} violation(s)`,
        );
      }
      if (signed.report.violations.length > 0) {
        setExitCode(1);
      }
    });

  sov
    .command('verify-report')
    .description(
      "check a signed report's signature: against the hub's own key when run on the hub, --key, or the key it carries",
    )
    .argument('<file>', 'the signed report (JSON)')
    .option('--key <jwk-file>', "the hub's public signing key (from `hdh sovereignty public-key`)")
    .option('--json', 'machine-readable answer')
    .action(async (file: string, flags: { key?: string; json?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw CoreErrors.INPUT_NOT_FOUND(`cannot read ${file}: ${(err as Error).message}`);
      }
      const key = flags.key
        ? {
            jwk: JSON.parse(readFileSync(flags.key, 'utf8')) as Record<string, unknown>,
            from: `the key in ${flags.key}`,
          }
        : undefined;
      const verify = (hub?: Hub) =>
        verifyReport(text, { name: file, ...(key ? { key } : {}), ...(hub ? { hub } : {}) });
      const verified =
        key === undefined && existsSync(join(ctx.home(), CONFIG_FILE))
          ? await withHub({ home: ctx.home(), env: ctx.env }, verify)
          : await verify();
      if (flags.json) {
        ctx.out.json(verified);
        return;
      }
      ctx.out.line(`signature valid: ${file}`);
      ctx.out.line(`  signed by ${verified.kid}, checked with ${verified.keyFrom}`);
      ctx.out.line(`  report digest ${verified.digest}, generated ${verified.generatedAt}`);
    });

  sov
    .command('public-key')
    .description(
      "print the hub's public signing key (JWK), to give auditors so they can check reports and certificates",
    )
    .action(async () => {
      ctx.out.json(await withHub({ home: ctx.home(), env: ctx.env }, hubPublicKey));
    });

  sov
    .command('import-credential')
    .description(
      'verify a Gaia-X compliance credential (W3C VC, JSON-LD or VC-JWT) and record what it says in hdh.yaml',
    )
    .argument('<file>', 'credential, list of credentials or presentation')
    .requiredOption('--provider <id>', 'registry id the facts are recorded under (new or existing)')
    .option('--region <region>', 'region the credential covers')
    .option('--key <jwk-file>', 'a public key (JWK) you trust for this credential')
    .option('--key-id <id>', "key id or issuer DID the key stands for (default: the JWK's kid)")
    .option('--allow-unsigned', 'accept credentials without a proof (their evidence says so)')
    .option('--json', 'machine-readable answer')
    .action(
      async (
        file: string,
        flags: {
          provider: string;
          region?: string;
          key?: string;
          keyId?: string;
          allowUnsigned?: boolean;
          json?: boolean;
        },
      ) => {
        const home = ctx.home();
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw CoreErrors.INPUT_NOT_FOUND(`cannot read credential file ${file}: ${(err as Error).message}`);
        }
        const keys = flags.key ? readKeys(flags.key, flags.keyId) : undefined;
        const result = await importGaiaXCredentials(text, {
          id: flags.provider,
          now: new Date(),
          checkedBy: `${ctx.actor} via hdh sovereignty import-credential`,
          source: basename(file),
          ...(flags.region ? { region: flags.region } : {}),
          ...(keys ? { keys } : {}),
          ...(flags.allowUnsigned ? { allowUnsigned: true } : {}),
        });
        // A provider the registry knows gets the facts as an override; a new one needs a whole entry.
        const current = loadConfig(home, ctx.env);
        const known = loadSovereignty(current.config.sovereignty, { file: current.file }).registry.has(
          flags.provider,
        );
        const { id: _id, ...entry } = result.entry;
        await editConfigFile(home, (doc) => {
          doc.setIn(
            ['sovereignty', 'providers', flags.provider],
            doc.createNode(known ? result.override : entry),
          );
        });
        // The edited file must still load as a whole (registry and policy), or the hub would not start.
        const { config, file: configFile } = loadConfig(home, ctx.env);
        loadSovereignty(config.sovereignty, { file: configFile });
        await withHub({ home, env: ctx.env }, (hub) =>
          hub.audit.record({
            actor: ctx.actor,
            action: 'sovereignty.import-credential',
            target: `provider:${flags.provider}`,
            details: {
              file: basename(file),
              verified: result.verified.map((v) =>
                v
                  ? {
                      format: v.format,
                      keyId: v.keyId,
                      keyThumbprint: v.keyThumbprint,
                      keySource: v.keySource,
                    }
                  : 'unsigned',
              ),
            },
          }),
        );
        if (flags.json) {
          ctx.out.json(result);
          return;
        }
        ctx.out.line(
          `provider "${flags.provider}" recorded in hdh.yaml from ${result.verified.length} credential(s):`,
        );
        for (const v of result.verified) {
          ctx.out.line(
            v
              ? `  verified (${v.format}) with the ${v.keySource} key ${v.keyId ?? v.keyThumbprint}${v.keySource === 'embedded' ? ': proves integrity, not who issued it' : ''}`
              : '  UNSIGNED (accepted with --allow-unsigned)',
          );
        }
      },
    );
};

/** A compact cell for the providers table: the evidence stays in --json. */
function show(value: unknown): string {
  if (value === 'unknown' || value === undefined) {
    return 'unknown';
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? 'none' : value.map(show).join(', ');
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    for (const key of ['value', 'name', 'jurisdiction']) {
      if (v[key] !== undefined) {
        return show(v[key]);
      }
    }
    return JSON.stringify(value);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function readKeys(file: string, keyId: string | undefined): Record<string, Record<string, unknown>> {
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw CoreErrors.INPUT_INVALID(`--key ${file} is not a JSON Web Key: ${(err as Error).message}`);
  }
  const kid = keyId ?? (typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined);
  if (kid === undefined) {
    throw CoreErrors.INPUT_INVALID(
      `--key ${file} has no "kid": say which key id or issuer DID it is with --key-id`,
    );
  }
  return { [kid]: jwk };
}
