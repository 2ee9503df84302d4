import { describe, expect, it } from 'vitest';
import { isHdhError, parseConfig, type HdhError } from '../core/index.js';
import { DATA_CLASSES } from './data-classes.js';
import { DEFAULT_POLICY, resolvePolicy } from './policy.js';
import { loadSovereignty } from './setup.js';

function caught(fn: () => unknown): HdhError {
  try {
    fn();
  } catch (err) {
    if (isHdhError(err)) {
      return err;
    }
    throw err;
  }
  throw new Error('expected an HdhError');
}

const paths = (err: HdhError) => (err.details?.['problems'] as { path: string }[]).map((p) => p.path);

describe('default policy', () => {
  it('has a rule for every class', () => {
    expect(Object.keys(DEFAULT_POLICY.classes).sort()).toEqual([...DATA_CLASSES].sort());
  });

  it('follows SecNumCloud 3.2 + HDS for the health classes', () => {
    for (const c of ['pseudonymised-health', 'identifying-health'] as const) {
      expect(DEFAULT_POLICY.classes[c]).toEqual({
        location: 'EU',
        control: 'EU',
        extraterritorialLaws: 'none',
        secNumCloud: { minVersion: '3.2' },
        hds: { activities: [1, 2, 3, 4] },
        sealed: true,
        keyHolder: 'operator',
      });
    }
    expect(DEFAULT_POLICY.classes['key-material']).toMatchObject({
      operatorSiteOnly: true,
      sealed: true,
      keyHolder: 'operator',
    });
  });
});

describe('resolvePolicy', () => {
  it('is the default when hdh.yaml sets nothing', () => {
    expect(resolvePolicy({})).toEqual(DEFAULT_POLICY);
    expect(resolvePolicy(undefined)).toEqual(DEFAULT_POLICY);
  });

  it('replaces the rule of each class the operator names and keeps the others', () => {
    const policy = resolvePolicy({
      classes: { 'anonymous-aggregate': { location: 'EEA' }, public: { location: ['FR', 'DE'] } },
    });
    expect(policy.classes['anonymous-aggregate']).toEqual({ location: 'EEA' });
    expect(policy.classes.public).toEqual({ location: ['FR', 'DE'] });
    expect(policy.classes['identifying-health']).toEqual(DEFAULT_POLICY.classes['identifying-health']);
  });

  it('refuses a policy it cannot parse, naming the file and every wrong field; it never falls back to allow', () => {
    const err = caught(() =>
      resolvePolicy(
        {
          classes: {
            'pseudonymised-health': {
              location: 'Mars',
              sealed: false,
              secNumCloud: { minVersion: 'three' },
              colour: 'red',
            },
            secret: {},
          },
          extra: 1,
        },
        '/etc/hdh/hdh.yaml',
      ),
    );
    expect(err.code).toBe('SOVEREIGNTY_POLICY_INVALID');
    expect(err.message).toContain('/etc/hdh/hdh.yaml');
    expect(err.message).toContain('the hub will not start');
    expect(paths(err)).toEqual(
      expect.arrayContaining([
        'sovereignty.policy.classes.pseudonymised-health.location',
        'sovereignty.policy.classes.pseudonymised-health.sealed',
        'sovereignty.policy.classes.pseudonymised-health.secNumCloud.minVersion',
        'sovereignty.policy.classes.pseudonymised-health.colour',
        'sovereignty.policy.classes.secret',
        'sovereignty.policy.extra',
      ]),
    );
    expect(err.message).toMatch(/location: must be "EU", "EEA" or a list, got "Mars"/);
    expect(err.message).toMatch(/sealed: must be true, got false/);
  });

  it('refuses a policy that is not a mapping', () => {
    expect(caught(() => resolvePolicy('allow everything')).code).toBe('SOVEREIGNTY_POLICY_INVALID');
    expect(caught(() => resolvePolicy({ classes: [] })).code).toBe('SOVEREIGNTY_POLICY_INVALID');
  });
});

describe('loadSovereignty from hdh.yaml, as the hub does at start', () => {
  const yaml = (sovereignty: string) => `stores:
  local: { type: fs, root: objects, provider: on-premises, legacy: false }
${sovereignty}`;

  it('gives the registry and the policy of a valid section', () => {
    const loaded = parseConfig(
      yaml(`sovereignty:
  providers:
    ovhcloud:
      region: GRA
  policy:
    classes:
      anonymous-aggregate: { location: EEA }
`),
      'hdh.yaml',
      {},
    );
    const { registry, policy } = loadSovereignty(loaded.config.sovereignty, { file: loaded.file });
    expect(registry.get('ovhcloud').region).toBe('GRA');
    expect(policy.classes['anonymous-aggregate']).toEqual({ location: 'EEA' });
  });

  it('works without a sovereignty section', () => {
    const loaded = parseConfig(yaml(''), 'hdh.yaml', {});
    const { registry, policy } = loadSovereignty(loaded.config.sovereignty, { file: loaded.file });
    expect(policy).toEqual(DEFAULT_POLICY);
    expect(registry.has('on-premises')).toBe(true);
  });

  it('stops on a broken policy and reports the registry problems with it', () => {
    const loaded = parseConfig(
      yaml(`sovereignty:
  providers:
    ovhcloud: { region: 7 }
  policy:
    classes:
      identifying-health: { keyHolder: provider }
`),
      'hdh.yaml',
      {},
    );
    const err = caught(() => loadSovereignty(loaded.config.sovereignty, { file: loaded.file }));
    expect(err.code).toBe('SOVEREIGNTY_POLICY_INVALID');
    expect(paths(err)).toEqual([
      'sovereignty.policy.classes.identifying-health.keyHolder',
      'sovereignty.providers.ovhcloud.region',
    ]);
  });

  it('stops on a broken provider entry alone with SOVEREIGNTY_REGISTRY_INVALID', () => {
    const loaded = parseConfig(
      yaml(`sovereignty:\n  providers:\n    ovhcloud: { kind: moon }\n`),
      'hdh.yaml',
      {},
    );
    const err = caught(() => loadSovereignty(loaded.config.sovereignty, { file: loaded.file }));
    expect(err.code).toBe('SOVEREIGNTY_REGISTRY_INVALID');
    expect(paths(err)).toEqual(['sovereignty.providers.ovhcloud.kind']);
  });

  it('stops on a policy set to a string through the environment', () => {
    const loaded = parseConfig(yaml(''), 'hdh.yaml', { HDH_SOVEREIGNTY__POLICY: 'allow' });
    expect(caught(() => loadSovereignty(loaded.config.sovereignty)).code).toBe('SOVEREIGNTY_POLICY_INVALID');
  });
});
