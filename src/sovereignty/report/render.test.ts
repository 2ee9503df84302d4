import { describe, expect, it } from 'vitest';
import { canonicalDigest, canonicalJson } from '../canonical-json.js';
import { DEFAULT_POLICY } from '../policy.js';
import { buildRegistry } from '../registry/registry.js';
import { qualifiedOverride, testEvidence } from '../testing/fixtures.js';
import { renderReport } from './render.js';
import { escapeHtml } from './render-html.js';
import { escapeMarkdown } from './render-markdown.js';
import { buildReport, type Report } from './report.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> | *bold* `code`';

function report(): Report {
  const registry = buildRegistry({
    ovhcloud: qualifiedOverride(),
    'evil-cloud': {
      kind: 'cloud',
      name: HOSTILE,
      provider: `Evil "Cloud" Ltd's`,
      service: 'object storage',
      region: 'x',
      legalEntity: { value: HOSTILE, evidence: testEvidence(HOSTILE) },
      headquartersCountry: { value: 'US', evidence: testEvidence() },
      control: 'unknown',
      extraterritorialLaws: 'unknown',
      dataCentreCountries: { value: ['FR'], evidence: testEvidence() },
      qualifications: { secNumCloud: 'unknown', hds: 'unknown', iso27001: 'unknown', gaiaX: 'unknown' },
      notes: [HOSTILE],
    },
  });
  return buildReport({
    stores: [
      {
        name: 'ovh',
        kind: 's3',
        provider: registry.get('ovhcloud'),
        legacy: false,
        sealing: { sealed: true, keyHolder: 'operator' },
        holdings: [
          { dataClass: 'pseudonymised-health', dataset: 'snds-2024', objects: 100, bytes: 5_000_000 },
        ],
        scan: { sealedObjects: 100, totalObjects: 100 },
      },
      {
        name: 'evil',
        kind: 's3',
        provider: registry.get('evil-cloud'),
        legacy: false,
        sealing: { sealed: true, keyHolder: 'operator' },
        holdings: [{ dataClass: 'identifying-health', dataset: 'ids', objects: 2, bytes: 20 }],
        scan: { sealedObjects: 2, totalObjects: 2 },
      },
    ],
    keys: {
      kind: 'local',
      location: 'keyring file keyring.json',
      extractable: true,
      access: 'holder of the keyring passphrase',
    },
    audit: { ok: true, entries: 42 },
    policy: DEFAULT_POLICY,
    now: NOW,
  });
}

describe('renderReport', () => {
  it('json is the canonical JSON of the report, which parses back to the same report', () => {
    const r = report();
    const text = renderReport(r, 'json');
    expect(text).toBe(`${canonicalJson(r)}\n`);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('md states the decision, violations, residency and sovereignty, evidence, keys, audit and the digest', () => {
    const r = report();
    const md = renderReport(r, 'md');
    for (const heading of [
      '# hdh sovereignty report',
      '## Summary',
      '## Violations',
      '## Keys',
      '## Audit chain',
      '## Stores',
      '## Policy',
      '## Requirements cited',
    ]) {
      expect(md).toContain(`${heading}\n`);
    }
    expect(md).toContain('**Not compliant.**');
    expect(md).toContain(`Report digest: \`${canonicalDigest(r)}\``);
    expect(md).toContain('### Store ovh — OVHcloud Object Storage (`ovhcloud`)');
    expect(md).toContain('- Residency: Data centres in FR: inside the EU.');
    expect(md).toContain(
      '- Sovereignty: Controlled by Example Cloud SAS (FR), inside the EU; exposed to no law with extraterritorial reach.',
    );
    expect(md).toContain('- **pseudonymised-health: allowed**');
    expect(md).toContain('✘ [SecNumCloud 19.6.a] headquartered in US, outside the EU');
    expect(md).toContain('| evil | identifying-health | 2 | 20 B | ids | SecNumCloud 19.6.a |');
    expect(md).toContain('test fixture, not a real document — checked by hdh tests on 2026-01-15');
    expect(md).toContain('100 % (100 of 100 objects, found by scanning)');
    expect(md).toContain('The audit chain verifies: 42 entries');
    expect(md).toContain('| SecNumCloud 19.6 | ANSSI SecNumCloud v3.2, §19.6');
  });

  it('md escapes markup and HTML from registry text', () => {
    const md = renderReport(report(), 'md');
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('<img');
    expect(md).toContain(escapeMarkdown(HOSTILE));
    expect(escapeMarkdown('a|b <c> *d*')).toBe('a\\|b &lt;c&gt; \\*d\\*');
  });

  it('html is one self-contained page with every piece of text escaped', () => {
    const r = report();
    const html = renderReport(r, 'html');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('</html>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<[^>]*\s(src|href)=/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain(escapeHtml(HOSTILE));
    expect(html).toContain('Evil &quot;Cloud&quot; Ltd&#39;s');
    expect(html).toContain(canonicalDigest(r));
    expect(html).toContain('Store ovh — OVHcloud Object Storage');
    expect(html).toContain('[SecNumCloud 19.6.a] headquartered in US, outside the EU');
    expect(html).toContain('Data centres in FR: inside the EU.');
    expect(html).toContain('The master key is held in a passphrase-sealed keyring file');
  });
});
