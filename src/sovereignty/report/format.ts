/**
 * Wording shared by the Markdown and HTML renderings, so both say the same thing.
 * @module
 */
import type { ClassRule, Evidence } from '../../core/index.js';
import { formatBytes } from '../../core/index.js';
import type { QualificationState } from '../qualifications.js';

export function bytesText(n: number): string {
  return n < 1024 ? `${n} B` : `${formatBytes(n)} (${n} B)`;
}

export function shareText(share: number | null, sealed: number, total: number): string {
  if (share === null) {
    return 'no objects';
  }
  return `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : 2)} % (${sealed} of ${total} objects, found by scanning)`;
}

export function stateText(state: QualificationState): string {
  switch (state) {
    case 'current':
      return 'current';
    case 'expired':
      return 'expired (counts as absent)';
    case 'not-yet-valid':
      return 'not yet valid (counts as absent)';
    case 'not-held':
      return 'not held';
    case 'unknown':
      return 'unknown';
  }
}

export function evidenceText(e: Evidence): string {
  return `${e.source} — checked by ${e.checkedBy} on ${e.checkedOn}${e.assurance !== undefined ? ` (${e.assurance})` : ''}${e.note !== undefined ? `: ${e.note}` : ''}`;
}

/** A class rule as a list of plain-language requirements. */
export function ruleLines(rule: ClassRule): string[] {
  const lines: string[] = [];
  if (rule.operatorSiteOnly === true) {
    lines.push("only on the operator's own site");
  }
  if (rule.location !== undefined) {
    lines.push(
      `data centres in ${Array.isArray(rule.location) ? rule.location.join(', ') : `the ${rule.location}`}`,
    );
  }
  if (rule.control === 'EU') {
    lines.push('controlled from the EU within the SecNumCloud 19.6 caps');
  }
  if (rule.extraterritorialLaws === 'none') {
    lines.push('exposed to no law with extraterritorial reach');
  }
  if (rule.secNumCloud !== undefined) {
    lines.push(`current SecNumCloud ≥ ${rule.secNumCloud.minVersion}`);
  }
  if (rule.hds !== undefined) {
    lines.push(`current HDS certificate for activities ${rule.hds.activities.join(', ')}`);
  }
  if (rule.iso27001 === true) {
    lines.push('current ISO/IEC 27001 certificate');
  }
  if (rule.gaiaX !== undefined) {
    lines.push(`current Gaia-X label ≥ ${rule.gaiaX.minLevel}`);
  }
  if (rule.sealed === true) {
    lines.push('objects sealed by the hub');
  }
  if (rule.keyHolder === 'operator') {
    lines.push('sealing keys held by the operator');
  }
  if (lines.length === 0) {
    lines.push('no requirement');
  }
  return lines;
}
