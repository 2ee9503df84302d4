/**
 * The Fastify application: strict TypeBox validation, problem+json errors from one mapping, request
 * ids, redacted logs, metrics, security headers (security-headers.ts), rate-limited authentication and OpenAPI docs. It
 * holds no state of its own; everything comes from the injected dependencies.
 * @module
 */
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, {
  LogController,
  type FastifyRequest,
  type onRequestHookHandler,
  type RawServerDefault,
} from 'fastify';
import { Registry } from 'prom-client';
import { newId } from '../core/index.js';
import { AccessErrors } from '../access/index.js';
import { generationsReader, type Generations } from '../db/index.js';
import type { AppDeps, HubApp, RouteContext } from './context.js';
import { ServerErrors } from './errors.js';
import { httpHistogram } from './metrics.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { ROUTES } from './routes/index.js';
import { validatorCompiler } from './validation.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MiB = 1024 * 1024;

export async function createApp(deps: AppDeps): Promise<HubApp> {
  const options = deps.config ?? {};
  const registry = deps.metrics ?? new Registry();
  const histogram = httpHistogram(registry);
  const app: HubApp = Fastify<RawServerDefault, IncomingMessage, ServerResponse>({
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    bodyLimit: options.bodyLimit ?? MiB,
    trustProxy: (options.trustProxy ?? false) as boolean,
    logController: new LogController({ disableRequestLogging: options.requestLogging === false }),
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req');
    },
    routerOptions: { ignoreTrailingSlash: true },
  })
    .setValidatorCompiler(validatorCompiler)
    .withTypeProvider();

  // Only JSON is read: anything else is a 415, not a string handed to a JSON schema.
  app.removeContentTypeParser(['text/plain']);
  app.decorateRequest('principal', null);
  app.decorateRequest('generations', null);

  // Synchronous hooks (callback style): an async hook costs a promise and a microtask per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    histogram.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.setErrorHandler(async (err, request, reply) => {
    const problem = toProblem(err, request);
    if (problem.status >= 500) {
      request.log.error({ err }, 'request failed');
    }
    if (problem.status === 401) {
      reply.header('www-authenticate', `Bearer realm="hdh", error="invalid_token"`);
    }
    return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const problem = toProblem(
      ServerErrors.REQUEST_NOT_FOUND(`no route ${request.method} ${request.url.split('?')[0]}`),
      request,
    );
    return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });

  const limit = options.authRateLimit ?? { max: 10, windowMs: 60_000 };
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) =>
      ServerErrors.REQUEST_RATE_LIMITED(`too many attempts from this address; retry in ${context.after}`, {
        details: { retryAfterSeconds: Math.ceil(context.ttl / 1000) },
      }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'hdh API',
        version: options.version ?? '0.1.0',
        description:
          'Health data hub: identities, catalogue, access applications, data permits, audit. Errors are RFC 9457 problem documents.',
        license: { name: 'EUPL-1.2', identifier: 'EUPL-1.2' },
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  // One read per authenticated request gives the generations that the sessions and the catalogue
  // kept in memory are valid for: a change committed by any hub process is seen by the next request.
  const readGenerations = generationsReader(deps.hub.db);
  const { auth } = deps.access;
  const authenticateRequest = async (request: FastifyRequest, read?: Generations): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    const generations = token === undefined ? undefined : (read ?? (await readGenerations()));
    request.generations = generations ?? null;
    request.principal = await auth.authenticate(token, generations?.access);
  };
  // A callback hook: when the generations can be read at once and the token and session are both
  // kept, the request is authenticated without a promise; otherwise the same steps are awaited.
  const authenticate: onRequestHookHandler = (request, _reply, done) => {
    let generations: Generations | undefined;
    try {
      const token = bearerToken(request.headers.authorization);
      generations = token === undefined ? undefined : readGenerations.now();
      const principal =
        token === undefined || generations === undefined
          ? undefined
          : auth.authenticateKept(token, generations.access);
      if (generations !== undefined && principal !== undefined) {
        request.generations = generations;
        request.principal = principal;
        done();
        return;
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    authenticateRequest(request, generations).then(() => done(), done);
  };
  const ctx: RouteContext = {
    deps,
    authenticate,
    authenticateRequest,
    authRateLimit: { rateLimit: { max: limit.max, timeWindow: limit.windowMs } },
  };

  app.get('/api/openapi.json', { schema: { hide: true } }, (_request, reply) => reply.send(app.swagger()));
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  for (const register of ROUTES) {
    register(app, ctx);
  }
  return app;
}

/** The token of an `Authorization: Bearer …` header; other schemes are refused by name. */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === '') {
    return undefined;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) {
    throw AccessErrors.AUTH_REQUIRED(
      `the Authorization header must be "Bearer <token>", not ${header.split(' ')[0]}`,
    );
  }
  return match[1];
}
