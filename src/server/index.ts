/**
 * The HTTP API: `createApp(deps)` builds the Fastify application; routes live in routes/, one module
 * per concept; errors become problem+json in one place.
 * @module
 */
export { createApp } from './app.js';
export { createHubApp, serveHub, type RunningServer, type ServeOptions } from './serve.js';
export { ServerErrors } from './errors.js';
export { toProblem, normalizeError, PROBLEM_CONTENT_TYPE, type Problem, type FieldError } from './problem.js';
export { createLogger, redactUrl, REDACTED_PATHS, type LoggerSettings } from './logging.js';
export { HTTP_METRIC } from './metrics.js';
export { ROUTES } from './routes/index.js';
export {
  principalOf,
  requestMeta,
  type AppDeps,
  type HubApp,
  type RouteContext,
  type RouteModule,
  type ServerOptions,
} from './context.js';
export * as schemas from './schemas.js';
