/**
 * The compliance report as Markdown, for reading and for pasting into an audit file. Text from the
 * registry, the hdh.yaml and credentials is escaped so it cannot inject markup or HTML.
 * @module
 */
import { canonicalDigest } from '../canonical-json.js';
import { DATA_CLASSES } from '../data-classes.js';
import { bytesText, evidenceText, ruleLines, shareText, stateText } from './format.js';
import type { Report, StoreReport } from './report.js';

/** Escapes text for Markdown prose and table cells. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

const e = escapeMarkdown;

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/**
 * Renders a report as Markdown. Its digest line is the SHA-256 of the report's canonical JSON, the
 * bytes the signature covers: it ties this rendering to the signed JSON.
 */
export function renderReportMarkdown(report: Report): string {
  const out: string[] = [];
  const s = report.summary;
  out.push('# hdh sovereignty report', '');
  out.push(`- Generated: ${e(report.generatedAt)}`);
  if (report.hub?.name !== undefined) {
    out.push(
      `- Hub: ${e(report.hub.name)}${report.hub.version !== undefined ? ` (hdh ${e(report.hub.version)})` : ''}`,
    );
  }
  out.push(
    `- Report digest: \`${canonicalDigest(report)}\` (SHA-256 of the canonical JSON, the bytes the signature covers)`,
    '',
  );
  out.push('## Summary', '', `**${s.compliant ? 'Compliant' : 'Not compliant'}.** ${e(s.statement)}`, '');
  out.push(
    ...table(
      [
        'stores',
        'compliant stores',
        'violations',
        'objects',
        'sealed objects',
        'bytes',
        'expired qualifications',
      ],
      [
        [
          `${s.stores}`,
          `${s.compliantStores}`,
          `${s.violations}`,
          `${s.objects}`,
          `${s.sealedObjects}`,
          bytesText(s.bytes),
          `${s.expiredQualifications}`,
        ],
      ],
    ),
    '',
  );
  out.push('## Violations', '');
  if (report.violations.length === 0) {
    out.push('None: every store holds only data the policy allows there.', '');
  } else {
    out.push(
      ...table(
        ['store', 'class', 'objects', 'bytes', 'datasets', 'requirement', 'why'],
        report.violations.map((v) => [
          e(v.store),
          e(v.dataClass),
          `${v.objects}`,
          bytesText(v.bytes),
          e(v.datasets.join(', ') || '—'),
          e(v.requirement),
          e(v.message),
        ]),
      ),
      '',
    );
  }
  out.push('## Keys', '', e(report.keys.statement), '');
  out.push('## Audit chain', '', e(report.audit.statement), '');
  out.push('## Stores', '');
  for (const store of report.stores) {
    out.push(...storeSection(store));
  }
  out.push('## Policy', '');
  out.push(
    ...table(
      ['class', 'requirements'],
      DATA_CLASSES.map((c) => [e(c), e(ruleLines(report.policy.classes[c]).join('; '))]),
    ),
    '',
  );
  out.push('## Requirements cited', '');
  out.push(
    ...table(
      ['requirement', 'source', 'what it asks'],
      Object.entries(report.requirements).map(([r, src]) => [e(r), e(src.source), e(src.summary)]),
    ),
    '',
  );
  return `${out.join('\n')}\n`;
}

function storeSection(store: StoreReport): string[] {
  const p = store.provider;
  const out: string[] = [];
  out.push(`### Store ${e(store.name)} — ${e(p.name)} (\`${e(p.id)}\`)`, '');
  out.push(
    `- Backend: ${e(store.kind)}${store.legacy ? ' (legacy: written by another system, read-only for the hub)' : ''}`,
    `- Provider: ${e(p.provider)}, ${e(p.service)}, region ${e(p.region)} (${p.kind}; registry entry: ${p.origin})`,
    `- Decision: **${store.compliant ? 'compliant' : `${store.violations.length} violation(s)`}**`,
    `- Residency: ${e(store.residency.statement)}`,
    `- Sovereignty: ${e(store.sovereignty.statement)}`,
    `- Sealed share: ${shareText(store.sealing.sealedShare, store.sealing.sealedObjects, store.sealing.totalObjects)}; new writes ${store.sealing.writesSealed ? 'sealed' : 'not sealed'}, keys held by the ${store.sealing.keyHolder}`,
    `- May hold: ${store.allowedClasses.length > 0 ? store.allowedClasses.map(e).join(', ') : 'no class'}`,
  );
  if (store.restsOnOperatorAttestation) {
    out.push("- Rests on the operator's attestations for its own site.");
  }
  out.push('');
  out.push('#### Data held', '');
  if (store.holdings.length === 0) {
    out.push('No objects recorded.', '');
  } else {
    out.push(
      ...table(
        ['class', 'objects', 'bytes', 'sealed', 'datasets'],
        store.holdings.map((h) => [
          e(h.dataClass),
          `${h.objects}`,
          bytesText(h.bytes),
          h.sealedObjects !== undefined ? `${h.sealedObjects}` : 'not counted by class',
          e(h.datasets.map((d) => `${d.name} (${d.objects})`).join(', ') || '—'),
        ]),
      ),
      '',
    );
  }
  if (store.decisions.length > 0) {
    out.push('#### Decisions for the data held', '');
    for (const d of store.decisions) {
      out.push(`- **${e(d.dataClass)}: ${d.allowed ? 'allowed' : 'refused'}**`);
      for (const r of d.reasons) {
        out.push(`  - ${r.ok ? '✔' : '✘'} [${e(r.requirement)}] ${e(r.message)}`);
      }
    }
    out.push('');
  }
  out.push('#### Qualifications', '');
  out.push(
    ...table(
      ['scheme', 'state', 'detail'],
      store.qualifications.map((q) => [e(q.label), stateText(q.state), e(q.summary)]),
    ),
    '',
  );
  if (store.expiredQualifications.length > 0) {
    out.push(
      `Expired or not yet valid, counted as absent: ${store.expiredQualifications.map(e).join('; ')}.`,
      '',
    );
  }
  out.push('#### Provider profile and evidence', '');
  const evidenceRows = [
    ...store.facts.map((f) => [e(f.fact), e(f.value), e(f.evidence.map(evidenceText).join(' · ') || '—')]),
    ...store.qualifications
      .filter((q) => q.evidence.length > 0)
      .map((q) => [e(q.label), e(q.summary), e(q.evidence.map(evidenceText).join(' · '))]),
  ];
  out.push(...table(['fact', 'value', 'evidence'], evidenceRows), '');
  if (p.notes.length > 0) {
    out.push('Notes:', '', ...p.notes.map((n) => `- ${e(n)}`), '');
  }
  return out;
}
