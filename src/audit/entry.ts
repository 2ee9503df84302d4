/**
 * One audit entry and its hash. The hash covers every field and the previous entry's hash, so a
 * change, removal or insertion anywhere breaks the chain from that point on.
 * @module
 */
import { createHash } from 'node:crypto';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditInput {
  /** Who acted: a user name, `service:<name>`, `cli:<os user>`, `system`. */
  readonly actor: string;
  /** What was done, dotted: `store.put`, `keys.shred`, `auth.login`. */
  readonly action: string;
  /** What it was done to: `local:datasets/x/file`, `dataset:cohort-2024`. */
  readonly target: string;
  readonly outcome?: AuditOutcome;
  readonly details?: Record<string, unknown>;
}

export interface AuditEntry {
  readonly seq: number;
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: AuditOutcome;
  readonly details: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

const SECRET_KEY = /pass(word|phrase)?|secret|token|pin$|^pin|credential|private/i;

/** Drops values whose key names a secret: the audit log is exported and must never carry one. */
export function redactSecrets(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) {
    if (SECRET_KEY.test(k)) {
      out[k] = '[redacted]';
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = redactSecrets(v as Record<string, unknown>);
    } else {
      out[k] = v;
    }
  }
  return out;
}

export function entryHash(e: {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  details: string;
  prevHash: string;
}): string {
  const canonical = JSON.stringify([
    e.seq,
    e.id,
    e.at,
    e.actor,
    e.action,
    e.target,
    e.outcome,
    e.details,
    e.prevHash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
