/**
 * How commands talk to the user: plain lines for people, one JSON document for scripts (`--json`),
 * and `error CODE: message` on stderr for failures — no stack traces for expected errors.
 * @module
 */
import type { Writable } from 'node:stream';
import { isHdhError, toHdhError } from '../core/index.js';

export interface Output {
  readonly stdout: Writable;
  readonly stderr: Writable;
  line(text?: string): void;
  json(value: unknown): void;
  warn(text: string): void;
  table(rows: readonly Record<string, unknown>[], columns?: readonly string[]): void;
}

export function createOutput(stdout: Writable = process.stdout, stderr: Writable = process.stderr): Output {
  return {
    stdout,
    stderr,
    line: (text = '') => void stdout.write(`${text}\n`),
    json: (value) => void stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`),
    warn: (text) => void stderr.write(`warning: ${text}\n`),
    table: (rows, columns) => void stdout.write(formatTable(rows, columns)),
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    return Number(value);
  }
  if (value instanceof Uint8Array) {
    return Buffer.from(value).toString('base64');
  }
  return value;
}

export function formatTable(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  if (cols.length === 0) {
    return '';
  }
  const cells = rows.map((r) => cols.map((c) => cellText(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const fmt = (values: readonly string[]): string =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(cols.map((c) => c.toUpperCase())), ...cells.map(fmt)].join('\n') + '\n';
}

function cellText(v: unknown): string {
  if (v === undefined || v === null) {
    return '-';
  }
  if (v instanceof Date) {
    return v.toISOString();
  }
  if (typeof v === 'string') {
    return v;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
    return v.toString();
  }
  return JSON.stringify(v) ?? '-';
}

/** Prints an error the way the CLI promises and returns the exit code. */
export function reportError(out: Output, err: unknown): number {
  const e = toHdhError(err);
  out.stderr.write(`error ${e.code}: ${e.message}\n`);
  if (!isHdhError(err) || e.code === 'INTERNAL_ERROR') {
    if (process.env['HDH_DEBUG'] === '1' && err instanceof Error && err.stack) {
      out.stderr.write(`${err.stack}\n`);
    }
  }
  return 1;
}
