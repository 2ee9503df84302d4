/**
 * The compliance report as one self-contained HTML page: inline style, no script, no external
 * resource, every piece of text escaped (provider names, notes and evidence come from files and
 * credentials an attacker may have written).
 * @module
 */
import { canonicalDigest } from '../canonical-json.js';
import { DATA_CLASSES } from '../data-classes.js';
import { bytesText, evidenceText, ruleLines, shareText, stateText } from './format.js';
import type { Report, StoreReport } from './report.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const h = escapeHtml;

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f1f1}.ok{color:#16632b}.fail{color:#a4161a;font-weight:600}.badge{display:inline-block;padding:.1rem .5rem;border-radius:.3rem}
.badge.ok{background:#e3f4e8}.badge.fail{background:#fbe4e4}code{font-size:90%}section.store{border-top:2px solid #444;margin-top:2rem}`;

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function badge(ok: boolean, text: string): string {
  return `<span class="badge ${ok ? 'ok' : 'fail'}">${h(text)}</span>`;
}

/** Renders a report as a self-contained HTML page. Cells passed to `table` are already escaped. */
export function renderReportHtml(report: Report): string {
  const s = report.summary;
  const parts: string[] = [];
  parts.push(
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
    `<title>hdh sovereignty report ${h(report.generatedAt)}</title><style>${STYLE}</style></head><body>`,
    '<h1>hdh sovereignty report</h1>',
    `<p>Generated ${h(report.generatedAt)}${report.hub?.name !== undefined ? ` for hub ${h(report.hub.name)}` : ''}${report.hub?.version !== undefined ? ` (hdh ${h(report.hub.version)})` : ''}.<br>`,
    `Report digest <code>${h(canonicalDigest(report))}</code> (SHA-256 of the canonical JSON, the bytes the signature covers).</p>`,
    '<h2>Summary</h2>',
    `<p>${badge(s.compliant, s.compliant ? 'Compliant' : 'Not compliant')} ${h(s.statement)}</p>`,
    table(
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
          h(bytesText(s.bytes)),
          `${s.expiredQualifications}`,
        ],
      ],
    ),
    '<h2>Violations</h2>',
  );
  parts.push(
    report.violations.length === 0
      ? '<p class="ok">None: every store holds only data the policy allows there.</p>'
      : table(
          ['store', 'class', 'objects', 'bytes', 'datasets', 'requirement', 'why'],
          report.violations.map((v) => [
            h(v.store),
            h(v.dataClass),
            `${v.objects}`,
            h(bytesText(v.bytes)),
            h(v.datasets.join(', ') || '—'),
            h(v.requirement),
            `<span class="fail">${h(v.message)}</span>`,
          ]),
        ),
  );
  parts.push('<h2>Keys</h2>', `<p>${h(report.keys.statement)}</p>`);
  parts.push(
    '<h2>Audit chain</h2>',
    `<p>${badge(report.audit.ok, report.audit.ok ? 'verified' : 'broken')} ${h(report.audit.statement)}</p>`,
  );
  parts.push('<h2>Stores</h2>');
  for (const store of report.stores) {
    parts.push(storeSection(store));
  }
  parts.push(
    '<h2>Policy</h2>',
    table(
      ['class', 'requirements'],
      DATA_CLASSES.map((c) => [h(c), h(ruleLines(report.policy.classes[c]).join('; '))]),
    ),
  );
  parts.push(
    '<h2>Requirements cited</h2>',
    table(
      ['requirement', 'source', 'what it asks'],
      Object.entries(report.requirements).map(([r, src]) => [h(r), h(src.source), h(src.summary)]),
    ),
  );
  parts.push('</body></html>');
  return `${parts.join('\n')}\n`;
}

function storeSection(store: StoreReport): string {
  const p = store.provider;
  const out: string[] = [];
  out.push(`<section class="store"><h3>Store ${h(store.name)} — ${h(p.name)} (<code>${h(p.id)}</code>)</h3>`);
  out.push(
    '<ul>',
    `<li>Backend: ${h(store.kind)}${store.legacy ? ' (legacy: written by another system, read-only for the hub)' : ''}</li>`,
    `<li>Provider: ${h(p.provider)}, ${h(p.service)}, region ${h(p.region)} (${h(p.kind)}; registry entry: ${h(p.origin)})</li>`,
    `<li>Decision: ${badge(store.compliant, store.compliant ? 'compliant' : `${store.violations.length} violation(s)`)}</li>`,
    `<li>Residency: ${h(store.residency.statement)}</li>`,
    `<li>Sovereignty: ${h(store.sovereignty.statement)}</li>`,
    `<li>Sealed share: ${h(shareText(store.sealing.sealedShare, store.sealing.sealedObjects, store.sealing.totalObjects))}; new writes ${store.sealing.writesSealed ? 'sealed' : 'not sealed'}, keys held by the ${h(store.sealing.keyHolder)}</li>`,
    `<li>May hold: ${h(store.allowedClasses.join(', ') || 'no class')}</li>`,
    store.restsOnOperatorAttestation ? "<li>Rests on the operator's attestations for its own site.</li>" : '',
    '</ul>',
  );
  out.push('<h4>Data held</h4>');
  out.push(
    store.holdings.length === 0
      ? '<p>No objects recorded.</p>'
      : table(
          ['class', 'objects', 'bytes', 'sealed', 'datasets'],
          store.holdings.map((x) => [
            h(x.dataClass),
            `${x.objects}`,
            h(bytesText(x.bytes)),
            x.sealedObjects !== undefined ? `${x.sealedObjects}` : 'not counted by class',
            h(x.datasets.map((d) => `${d.name} (${d.objects})`).join(', ') || '—'),
          ]),
        ),
  );
  if (store.decisions.length > 0) {
    out.push('<h4>Decisions for the data held</h4><ul>');
    for (const d of store.decisions) {
      out.push(`<li>${badge(d.allowed, `${d.dataClass}: ${d.allowed ? 'allowed' : 'refused'}`)}<ul>`);
      for (const r of d.reasons) {
        out.push(
          `<li class="${r.ok ? 'ok' : 'fail'}">${r.ok ? '✔' : '✘'} [${h(r.requirement)}] ${h(r.message)}</li>`,
        );
      }
      out.push('</ul></li>');
    }
    out.push('</ul>');
  }
  out.push(
    '<h4>Qualifications</h4>',
    table(
      ['scheme', 'state', 'detail'],
      store.qualifications.map((q) => [h(q.label), h(stateText(q.state)), h(q.summary)]),
    ),
  );
  if (store.expiredQualifications.length > 0) {
    out.push(
      `<p class="fail">Expired or not yet valid, counted as absent: ${h(store.expiredQualifications.join('; '))}.</p>`,
    );
  }
  out.push(
    '<h4>Provider profile and evidence</h4>',
    table(
      ['fact', 'value', 'evidence'],
      [
        ...store.facts.map((f) => [
          h(f.fact),
          h(f.value),
          f.evidence.map((x) => h(evidenceText(x))).join('<br>') || '—',
        ]),
        ...store.qualifications
          .filter((q) => q.evidence.length > 0)
          .map((q) => [h(q.label), h(q.summary), q.evidence.map((x) => h(evidenceText(x))).join('<br>')]),
      ],
    ),
  );
  if (p.notes.length > 0) {
    out.push(`<p>Notes:</p><ul>${p.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>`);
  }
  out.push('</section>');
  return out.join('\n');
}
