/**
 * Prometheus metrics: the process defaults and one histogram of request durations per route
 * template (not per concrete URL, which would explode label cardinality).
 * @module
 */
import { collectDefaultMetrics, Histogram, type Registry } from 'prom-client';

export const HTTP_METRIC = 'hdh_http_request_duration_seconds';

export function httpHistogram(registry: Registry): Histogram<'method' | 'route' | 'status_code'> {
  const existing = registry.getSingleMetric(HTTP_METRIC);
  if (existing !== undefined) {
    return existing as Histogram<'method' | 'route' | 'status_code'>;
  }
  // The defaults register once per registry; a second app on the same registry reuses them.
  if (registry.getSingleMetric('process_cpu_seconds_total') === undefined) {
    collectDefaultMetrics({ register: registry });
  }
  return new Histogram({
    name: HTTP_METRIC,
    help: 'Duration of HTTP requests, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}
