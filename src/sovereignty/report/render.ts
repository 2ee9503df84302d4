/**
 * One entry point for `hdh sovereignty report --format json|md|html`.
 * @module
 */
import { canonicalJson } from '../canonical-json.js';
import { renderReportHtml } from './render-html.js';
import { renderReportMarkdown } from './render-markdown.js';
import type { Report } from './report.js';

export type ReportFormat = 'json' | 'md' | 'html';

export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'md', 'html'];

/**
 * The report in the given format. `json` is the canonical JSON (stable key order, no whitespace):
 * the bytes the signature covers (see signature.ts for the signed file).
 */
export function renderReport(report: Report, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${canonicalJson(report)}\n`;
    case 'md':
      return renderReportMarkdown(report);
    case 'html':
      return renderReportHtml(report);
  }
}
