/**
 * The tamper-evident audit log: append-only, hash-chained, verifiable, exportable as JSON lines.
 * @module
 */
export { AuditLog, type VerifyResult, type AuditQuery } from './audit-log.js';
export { AuditErrors } from './errors.js';
export { GENESIS_HASH, redactSecrets, type AuditEntry, type AuditInput, type AuditOutcome } from './entry.js';
