/**
 * What a route module receives: the dependencies, the authentication hook, and helpers to read the
 * principal and the request's origin. One module per concept under routes/ registers its routes.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  onRequestHookHandler,
  RawServerDefault,
} from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/index.js';
import type { Access, DatasetDirectory, Principal, RequestMeta } from '../access/index.js';
import type { Generations, HubDb } from '../db/index.js';
import type { CatalogueView, Hub } from '../hub/index.js';

/** The Fastify instance routes are written against (TypeBox types the handlers). */
export type HubApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServerOptions {
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Login, refresh, OIDC and TOTP attempts per client address (default 10 per minute). */
  readonly authRateLimit?: { readonly max: number; readonly windowMs: number };
  /** Trust X-Forwarded-For from a reverse proxy (default false). */
  readonly trustProxy?: boolean | string | readonly string[];
  /** Shown in OpenAPI `info.version`. */
  readonly version?: string;
  /** Log one line per request (default true). */
  readonly requestLogging?: boolean;
}

export interface AppDeps {
  readonly hub: Pick<HubDb, 'db' | 'dialect'>;
  readonly audit: AuditLog;
  readonly access: Access;
  /** The catalogue's directory (the same the access services were built with). */
  readonly datasets: DatasetDirectory;
  /** The catalogue as principals read it (`/api/datasets`, `/api/catalog/dcat`). */
  readonly catalogue: CatalogueView;
  /**
   * The whole hub, for the routes that act on its stores, keys, sovereignty policy, ingestion and
   * migrations. Without it (tests of the access routes alone) those routes are not registered.
   */
  readonly operations?: Hub;
  /** Default: a fresh registry. */
  readonly metrics?: Registry;
  /** From {@link createLogger} (it redacts secrets); default: no logs. */
  readonly logger?: Logger;
  readonly config?: ServerOptions;
}

export interface RouteContext {
  readonly deps: AppDeps;
  /** `onRequest` hook: turns the bearer token into `request.principal`, or answers 401. */
  readonly authenticate: onRequestHookHandler;
  /** The same, callable from a hook that makes authentication optional. */
  readonly authenticateRequest: (request: FastifyRequest) => Promise<void>;
  /** Route `config` that applies the authentication rate limit. */
  readonly authRateLimit: { readonly rateLimit: { readonly max: number; readonly timeWindow: number } };
}

/** A concept's routes: `(app, ctx) => { app.get(…) }`; listed in routes/index.ts. */
export type RouteModule = (app: HubApp, ctx: RouteContext) => void;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Read by the authentication hook, before the session: what memory kept under them is valid for. */
    generations: Generations | null;
  }
}

/** The authenticated principal; only valid on routes with `onRequest: ctx.authenticate`. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) {
    throw new Error(`route ${request.url} reads a principal without authenticating`);
  }
  return request.principal;
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  return { ip: request.ip };
}
