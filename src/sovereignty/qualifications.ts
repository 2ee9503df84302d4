/**
 * Whether a provider's qualification holds on a given day. A qualification past its expiry date
 * counts as absent, and so does one whose validity has not started; the status says which.
 * Dates are calendar days in UTC: `expires` is the last valid day.
 * @module
 */
import type { Evidence, GaiaXLevel, ProviderEntry, ProviderQualifications } from '../core/index.js';
import { GaiaXLevels } from '../core/index.js';

export type QualificationScheme = keyof ProviderQualifications;

/** The schemes in the order reports list them. */
export const QUALIFICATION_SCHEMES: readonly QualificationScheme[] = [
  'secNumCloud',
  'hds',
  'iso27001',
  'gaiaX',
];

export const QUALIFICATION_LABELS: Readonly<Record<QualificationScheme, string>> = {
  secNumCloud: 'SecNumCloud',
  hds: 'HDS',
  iso27001: 'ISO/IEC 27001',
  gaiaX: 'Gaia-X label',
};

/**
 * `current`: held and valid on the day. `expired` / `not-yet-valid`: held but outside its validity
 * (counts as absent). `not-held`: evidence says the provider does not hold it. `unknown`: not recorded.
 */
export type QualificationState = 'current' | 'expired' | 'not-yet-valid' | 'not-held' | 'unknown';

export interface QualificationStatus {
  readonly scheme: QualificationScheme;
  readonly label: string;
  readonly state: QualificationState;
  /** One line: what is held, its scope and validity, or why it counts as absent. */
  readonly summary: string;
  readonly issued?: string;
  readonly expires?: string;
  readonly evidence: readonly Evidence[];
}

/** The calendar day (UTC) of `now`, as YYYY-MM-DD. */
export function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The status of one scheme of `entry` on the day of `now`. */
export function qualificationStatus(
  entry: ProviderEntry,
  scheme: QualificationScheme,
  now: Date,
): QualificationStatus {
  const label = QUALIFICATION_LABELS[scheme];
  const q = entry.qualifications[scheme];
  if (q === 'unknown') {
    return { scheme, label, state: 'unknown', summary: `${label}: not recorded`, evidence: [] };
  }
  if (q.status === 'not-held') {
    return { scheme, label, state: 'not-held', summary: `${label}: not held`, evidence: q.evidence };
  }
  const what = describeHeld(entry.qualifications, scheme);
  const today = dayOf(now);
  const base = { scheme, label, issued: q.issued, expires: q.expires, evidence: q.evidence };
  if (today > q.expires) {
    return {
      ...base,
      state: 'expired',
      summary: `${what} expired on ${q.expires}: it counts as absent`,
    };
  }
  if (today < q.issued) {
    return {
      ...base,
      state: 'not-yet-valid',
      summary: `${what} is valid only from ${q.issued}: it counts as absent until then`,
    };
  }
  return { ...base, state: 'current', summary: `${what}, valid ${q.issued} to ${q.expires}` };
}

/** The status of every scheme of `entry` on the day of `now`. */
export function qualificationStatuses(entry: ProviderEntry, now: Date): QualificationStatus[] {
  return QUALIFICATION_SCHEMES.map((s) => qualificationStatus(entry, s, now));
}

function describeHeld(q: ProviderQualifications, scheme: QualificationScheme): string {
  switch (scheme) {
    case 'secNumCloud': {
      const s = q.secNumCloud;
      return s !== 'unknown' && s.status === 'held' ? `SecNumCloud ${s.version} (${s.scope})` : 'SecNumCloud';
    }
    case 'hds': {
      const h = q.hds;
      return h !== 'unknown' && h.status === 'held'
        ? `HDS certificate, activities ${[...h.activities].sort((a, b) => a - b).join(', ')}${h.scope !== undefined ? ` (${h.scope})` : ''}`
        : 'HDS certificate';
    }
    case 'iso27001': {
      const i = q.iso27001;
      return i !== 'unknown' && i.status === 'held'
        ? `ISO/IEC 27001 certificate (${i.scope})`
        : 'ISO/IEC 27001';
    }
    case 'gaiaX': {
      const g = q.gaiaX;
      return g !== 'unknown' && g.status === 'held' ? `Gaia-X label ${g.level}` : 'Gaia-X label';
    }
  }
}

/** Compares dotted versions numerically: `3.2` > `3.1`, `3.2.a` counts as `3.2`. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) =>
    v
      .split('.')
      .map((p) => Number.parseInt(p, 10))
      .filter((n) => Number.isFinite(n));
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

/** Position of a Gaia-X label level: standard-compliance 0 … level-3 3. */
export function gaiaXRank(level: GaiaXLevel): number {
  return GaiaXLevels.indexOf(level);
}
