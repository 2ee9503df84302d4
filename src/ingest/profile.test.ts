import { describe, expect, it } from 'vitest';
import { isHdhError, type HdhError } from '../core/index.js';
import { defaultProfile, parseProfile, parseProfileText } from './profile.js';
import { compileSelector } from './selectors.js';

function problems(doc: unknown): string[] {
  try {
    parseProfile(doc, 'test.yaml');
  } catch (err) {
    expect(isHdhError(err, 'INGEST_PROFILE_INVALID')).toBe(true);
    expect((err as HdhError).message).toContain('test.yaml');
    return (err as HdhError).details!['problems'] as string[];
  }
  throw new Error('the profile was accepted');
}

describe('pseudonymisation profiles', () => {
  it('loads the default French profile, versioned, with every FHIR rule compiled to direct accessors', async () => {
    const profile = await defaultProfile();
    expect(profile.name).toBe('fr-default');
    expect(profile.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(profile.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(profile.person.identifiers[0]).toEqual({ system: 'urn:oid:1.2.250.1.213.1.4.8', check: 'nir' });
    for (const rule of profile.rules) {
      if (rule.path) {
        expect(compileSelector(rule.path).compiled, rule.path).toBe(true);
      }
    }
  });

  it('reports every problem at once, naming the file and the field', () => {
    const list = problems({
      name: 'x y',
      version: 1,
      extra: true,
      person: { identifiers: [{ check: 'nir' }], fallback: 'maybe' },
      rules: [
        { path: 'Patient.name', method: 'hide' },
        { path: 'Patient.name', column: 'a', method: 'keep' },
        { path: 'Patient.where(', method: 'keep' },
        { path: 'Observation.value', method: 'perturb', params: { span: -1, roundTo: 9 } },
        { path: 'Patient.birthDate', method: 'generalize', params: { to: 'decade' } },
        { column: 'x', method: 'substitute' },
        { column: 'x', method: 'keep', when: { type: ['text'] } },
      ],
    });
    const fields = list.map((p) => p.split(':')[0]);
    expect(fields).toEqual(
      expect.arrayContaining([
        'name',
        'version',
        'extra',
        'person.identifiers[0].system',
        'person.fallback',
        'rules[0].method',
        'rules[1]',
        'rules[2].path',
        'rules[3].params.span',
        'rules[3].params.roundTo',
        'rules[4].params.to',
        'rules[5].params.value',
        'rules[6].when.type',
      ]),
    );
  });

  it('refuses text that is not YAML, and gives equal profiles equal digests', () => {
    expect(() => parseProfileText('rules: [', 'broken.yaml')).toThrow(/broken.yaml/);
    const text = 'name: p\nversion: "1"\nrules:\n  - { path: Resource.id, method: pseudonym }\n';
    expect(parseProfileText(text, 'a').digest).toBe(parseProfileText(text, 'b').digest);
    expect(parseProfileText(text.replace('"1"', '"2"'), 'a').digest).not.toBe(
      parseProfileText(text, 'a').digest,
    );
  });
});
