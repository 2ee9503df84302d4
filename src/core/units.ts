/**
 * Parsing of the sizes, rates and durations users type (`64MiB`, `100MB/s`, `90m`).
 * @module
 */
import { CoreErrors } from './errors.js';

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** `"64MiB"` → 67108864. Plain numbers are bytes. */
export function parseSize(text: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw CoreErrors.INPUT_INVALID(`${what} "${text}" is not a size such as 512, 64KiB, 10MiB, 2GB`);
  }
  return Math.round(Number(m[1]) * unit);
}

/** `"100MiB/s"` or `"100MiB"` → bytes per second. */
export function parseRate(text: string, what = 'rate'): number {
  return parseSize(text.replace(/\/s$/i, ''), what);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `"90m"` → 5400000 ms; `"1h30m"` works too. */
export function parseDuration(text: string, what = 'duration'): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  const joined = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || joined !== text.trim()) {
    throw CoreErrors.INPUT_INVALID(`${what} "${text}" is not a duration such as 30s, 90m, 2h, 1h30m`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS[p[2]!]!, 0);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}
