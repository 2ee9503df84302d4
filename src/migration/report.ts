/**
 * `hdh migrate status` and `hdh migrate report`: per phase counts and bytes by state, throughput,
 * retries, errors by code, verification results and the timeline, as data, Markdown or HTML.
 * Every object is counted in exactly one state.
 * @module
 */
import { formatBytes } from '../core/index.js';
import { formatDuration } from './estimate.js';
import { OBJECT_STATES, type Journal, type MigrationRow, type ObjectState } from './journal.js';

export interface PhaseStatus {
  readonly phase: number;
  readonly class: string;
  readonly objects: number;
  readonly bytes: number;
  readonly states: Record<ObjectState, { objects: number; bytes: number }>;
  readonly retries: number;
}

export interface MigrationStatus {
  readonly name: string;
  readonly state: string;
  readonly source: { readonly store: string; readonly prefix: string };
  readonly destination: { readonly store: string; readonly prefix: string };
  readonly objects: number;
  readonly bytes: number;
  readonly states: Record<ObjectState, { objects: number; bytes: number }>;
  readonly phases: PhaseStatus[];
  readonly retries: number;
  readonly errors: { readonly state: ObjectState; readonly code: string; readonly objects: number }[];
  readonly throughput: { readonly bytes: number; readonly seconds: number; readonly bytesPerSecond: number };
  readonly lastVerify: Record<string, unknown> | null;
  readonly lastSync: { readonly at: string; readonly found: number } | null;
  readonly times: Record<string, string | null>;
  readonly timeline: {
    readonly at: string;
    readonly kind: string;
    readonly details: Record<string, unknown>;
  }[];
  readonly plan: Record<string, unknown> | null;
}

function emptyStates(): Record<ObjectState, { objects: number; bytes: number }> {
  return Object.fromEntries(OBJECT_STATES.map((s) => [s, { objects: 0, bytes: 0 }])) as Record<
    ObjectState,
    { objects: number; bytes: number }
  >;
}

export async function migrationStatus(journal: Journal, m: MigrationRow): Promise<MigrationStatus> {
  const tally = await journal.tally(m.name);
  const states = emptyStates();
  const phases = new Map<
    number,
    {
      phase: number;
      class: string;
      objects: number;
      bytes: number;
      states: ReturnType<typeof emptyStates>;
      retries: number;
    }
  >();
  let objects = 0;
  let bytes = 0;
  let retries = 0;
  for (const t of tally) {
    states[t.state].objects += t.objects;
    states[t.state].bytes += t.bytes;
    objects += t.objects;
    bytes += t.bytes;
    retries += t.retries;
    let p = phases.get(t.phase);
    if (p === undefined) {
      p = { phase: t.phase, class: t.class, objects: 0, bytes: 0, states: emptyStates(), retries: 0 };
      phases.set(t.phase, p);
    }
    p.objects += t.objects;
    p.bytes += t.bytes;
    p.retries += t.retries;
    p.states[t.state].objects += t.objects;
    p.states[t.state].bytes += t.bytes;
  }
  const events = await journal.events(m.name);
  let runBytes = 0;
  let runMs = 0;
  for (const e of events) {
    if (e.kind === 'run' || e.kind === 'sync-copy') {
      runBytes += Number(e.details['bytesRead'] ?? 0);
      runMs += Number(e.details['elapsedMs'] ?? 0);
    }
  }
  return {
    name: m.name,
    state: m.state,
    source: { store: m.source_store, prefix: m.source_prefix },
    destination: { store: m.dest_store, prefix: m.dest_prefix },
    objects,
    bytes,
    states,
    phases: [...phases.values()].sort((a, b) => a.phase - b.phase),
    retries,
    errors: await journal.errorCounts(m.name),
    throughput: {
      bytes: runBytes,
      seconds: runMs / 1000,
      bytesPerSecond: runMs > 0 ? (runBytes / runMs) * 1000 : 0,
    },
    lastVerify: m.last_verify === null ? null : (JSON.parse(m.last_verify) as Record<string, unknown>),
    lastSync: m.last_sync_at === null ? null : { at: m.last_sync_at, found: m.last_sync_found ?? 0 },
    times: {
      created: m.created_at,
      planned: m.planned_at,
      lastCopy: m.last_copy_at,
      lastSync: m.last_sync_at,
      lastVerify: m.last_verify_at,
      cutover: m.cutover_at,
      rollback: m.rollback_at,
      decommissioned: m.decommissioned_at,
    },
    timeline: events,
    plan: m.plan === null ? null : (JSON.parse(m.plan) as Record<string, unknown>),
  };
}

export type ReportFormat = 'json' | 'md' | 'html';

const SHOWN_STATES: readonly ObjectState[] = OBJECT_STATES;

export function renderMarkdown(s: MigrationStatus): string {
  const lines: string[] = [];
  lines.push(`# Migration ${s.name}`, '');
  lines.push(`- State: **${s.state}**`);
  lines.push(
    `- From \`${s.source.store}:${s.source.prefix}\` to \`${s.destination.store}:${s.destination.prefix}\``,
  );
  lines.push(`- Objects: ${s.objects} (${formatBytes(s.bytes)}); retries: ${s.retries}`);
  if (s.throughput.seconds > 0) {
    lines.push(
      `- Copied ${formatBytes(s.throughput.bytes)} in ${formatDuration(s.throughput.seconds)} (${formatBytes(s.throughput.bytesPerSecond)}/s)`,
    );
  }
  if (s.lastVerify) {
    const v = s.lastVerify;
    lines.push(
      `- Last verify ${String(v['at'])}: ${v['clean'] ? 'clean' : 'NOT clean'} (verified ${String(v['verified'])}, missing ${String(v['missing'])}, extra ${String(v['extra'])}, mismatched ${String(v['mismatched'])}, not copied ${String(v['notCopied'])})`,
    );
  }
  if (s.lastSync) {
    lines.push(`- Last sync ${s.lastSync.at}: ${s.lastSync.found} new, changed or deleted objects`);
  }
  lines.push('', '## Phases', '');
  lines.push(`| Phase | Class | Objects | Bytes | ${SHOWN_STATES.join(' | ')} |`);
  lines.push(`|---|---|---|---|${SHOWN_STATES.map(() => '---').join('|')}|`);
  for (const p of s.phases) {
    lines.push(
      `| ${p.phase} | ${p.class || '(none)'} | ${p.objects} | ${formatBytes(p.bytes)} | ${SHOWN_STATES.map((st) => p.states[st].objects).join(' | ')} |`,
    );
  }
  lines.push(
    `| all | | ${s.objects} | ${formatBytes(s.bytes)} | ${SHOWN_STATES.map((st) => s.states[st].objects).join(' | ')} |`,
  );
  if (s.errors.length > 0) {
    lines.push('', '## Errors', '', '| State | Code | Objects |', '|---|---|---|');
    for (const e of s.errors) {
      lines.push(`| ${e.state} | \`${e.code}\` | ${e.objects} |`);
    }
  }
  lines.push('', '## Timeline', '', '| Time | Event | Details |', '|---|---|---|');
  for (const e of s.timeline) {
    lines.push(`| ${e.at} | ${e.kind} | ${JSON.stringify(e.details).replace(/\|/g, '\\|')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderHtml(s: MigrationStatus): string {
  const row = (cells: readonly (string | number)[], th = false): string =>
    `<tr>${cells.map((c) => `<${th ? 'th' : 'td'}>${esc(String(c))}</${th ? 'th' : 'td'}>`).join('')}</tr>`;
  const phases = [
    row(['Phase', 'Class', 'Objects', 'Bytes', ...SHOWN_STATES], true),
    ...s.phases.map((p) =>
      row([
        p.phase,
        p.class || '(none)',
        p.objects,
        formatBytes(p.bytes),
        ...SHOWN_STATES.map((st) => p.states[st].objects),
      ]),
    ),
    row(['all', '', s.objects, formatBytes(s.bytes), ...SHOWN_STATES.map((st) => s.states[st].objects)]),
  ].join('\n');
  const errors = s.errors.map((e) => row([e.state, e.code, e.objects])).join('\n');
  const timeline = s.timeline.map((e) => row([e.at, e.kind, JSON.stringify(e.details)])).join('\n');
  const verify = s.lastVerify
    ? `<p>Last verify ${esc(String(s.lastVerify['at']))}: <strong>${s.lastVerify['clean'] ? 'clean' : 'NOT clean'}</strong></p>`
    : '<p>Not verified yet.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Migration ${esc(s.name)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;text-align:right}th{background:#eee}</style>
</head><body>
<h1>Migration ${esc(s.name)}</h1>
<p>State <strong>${esc(s.state)}</strong>, from <code>${esc(`${s.source.store}:${s.source.prefix}`)}</code> to <code>${esc(`${s.destination.store}:${s.destination.prefix}`)}</code>; ${s.objects} objects, ${esc(formatBytes(s.bytes))}, ${s.retries} retries.</p>
${verify}
<h2>Phases</h2>
<table>
${phases}
</table>
<h2>Errors</h2>
<table>
${row(['State', 'Code', 'Objects'], true)}
${errors}
</table>
<h2>Timeline</h2>
<table>
${row(['Time', 'Event', 'Details'], true)}
${timeline}
</table>
</body></html>
`;
}

export function renderReport(s: MigrationStatus, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(s, null, 2)}\n`;
    case 'md':
      return renderMarkdown(s);
    case 'html':
      return renderHtml(s);
  }
}
