/**
 * The one place where anything thrown becomes an HTTP answer: an RFC 9457 problem document whose
 * status comes from the error registry (`errorDefinition(code)`) and whose `code` is the HdhError
 * code. Fastify's own errors (validation, JSON parsing, body size, media type) are translated first,
 * so bad input never reaches the client as a 500.
 * @module
 */
import type { FastifyError, FastifyRequest } from 'fastify';
import { CoreErrors, errorDefinition, isHdhError, toHdhError, type HdhError } from '../core/index.js';
import { ServerErrors } from './errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  /** Where: `body/purpose`, `querystring/limit`, `params/id`. */
  readonly field: string;
  readonly message: string;
}

export interface Problem {
  /** A reference to the error list, resolved against the request URL: `/api/errors#CODE`. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: string;
  readonly requestId: string;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;
  readonly errors?: readonly FieldError[];
}

interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** Fastify's body-parsing errors, by code. */
const FASTIFY_ERRORS: Readonly<Record<string, () => HdhError>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => ServerErrors.REQUEST_INVALID('the body is not valid JSON'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    ServerErrors.REQUEST_INVALID('the body is empty but its content type says JSON'),
  FST_ERR_CTP_BODY_TOO_LARGE: () =>
    ServerErrors.REQUEST_TOO_LARGE('the request body is larger than the limit this server accepts'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    ServerErrors.REQUEST_UNSUPPORTED_MEDIA_TYPE('send the body as application/json'),
};

/** Translates Fastify's and plugins' errors into coded HdhErrors; everything else passes through. */
export function normalizeError(err: unknown): { error: HdhError; fields?: FieldError[] } {
  if (isHdhError(err)) {
    return { error: err };
  }
  const fe = err as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const fields = fieldErrors(fe.validation, fe.validationContext ?? 'request');
    const summary = fields.map((f) => `${f.field} ${f.message}`).join('; ');
    return {
      error: ServerErrors.REQUEST_INVALID(summary || 'the request does not match its schema'),
      fields,
    };
  }
  const translate = fe.code === undefined ? undefined : FASTIFY_ERRORS[fe.code];
  if (translate !== undefined) {
    return { error: translate() };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 429) {
    return { error: ServerErrors.REQUEST_RATE_LIMITED(fe.message ?? 'too many requests') };
  }
  if (status === 404) {
    return { error: ServerErrors.REQUEST_NOT_FOUND(fe.message ?? 'not found') };
  }
  if (status === 413) {
    return { error: ServerErrors.REQUEST_TOO_LARGE(fe.message ?? 'request too large') };
  }
  if (status === 415) {
    return { error: ServerErrors.REQUEST_UNSUPPORTED_MEDIA_TYPE(fe.message ?? 'unsupported media type') };
  }
  if (status >= 400 && status < 500) {
    return { error: ServerErrors.REQUEST_INVALID(fe.message ?? 'the request is malformed', { cause: err }) };
  }
  return { error: toHdhError(err) };
}

/** The problem document for an error; the status is the registry's for its code. */
export function toProblem(err: unknown, request: Pick<FastifyRequest, 'id' | 'url'>): Problem {
  const { error, fields } = normalizeError(err);
  const definition = errorDefinition(error.code) ?? errorDefinition(CoreErrors.INTERNAL_ERROR('').code)!;
  const internal = definition.status >= 500;
  return {
    type: `/api/errors#${error.code}`,
    title: definition.description,
    status: definition.status,
    // A server fault's message may hold internals (paths, SQL); the log has it under the request id.
    detail: internal ? `the server failed to answer; report request ${request.id}` : error.message,
    instance: request.url.split('?')[0]!,
    code: error.code,
    requestId: request.id,
    retryable: error.retryable,
    ...(error.details !== undefined && !internal ? { details: error.details } : {}),
    ...(fields !== undefined ? { errors: fields } : {}),
  };
}

/**
 * One line per problem, naming the field. An unknown field yields two schema errors (its `false`
 * schema and the object's summary): only one is kept. A failed `anyOf` keeps its summary only.
 */
function fieldErrors(issues: readonly ValidationIssue[], context: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  const push = (field: string, message: string): void => {
    const key = `${field} ${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ field, message });
    }
  };
  const anyOfPaths = new Set(issues.filter((i) => i.keyword === 'anyOf').map((i) => i.instancePath));
  for (const issue of issues) {
    const path = `${context}${issue.instancePath}`;
    if (issue.keyword === 'boolean') {
      continue;
    }
    if (issue.keyword === 'additionalProperties') {
      const names = issue.params?.['additionalProperties'];
      for (const name of Array.isArray(names) ? names : []) {
        push(`${path}/${String(name)}`, 'is not a known field');
      }
      continue;
    }
    if (issue.keyword !== 'anyOf' && anyOfPaths.has(issue.instancePath)) {
      continue;
    }
    if (issue.keyword === 'anyOf') {
      push(path, 'is not one of the allowed forms');
      continue;
    }
    if (issue.keyword === 'enum' && Array.isArray(issue.params?.['allowedValues'])) {
      push(path, `must be one of ${(issue.params['allowedValues'] as unknown[]).map(String).join(', ')}`);
      continue;
    }
    if (issue.keyword === 'required' && Array.isArray(issue.params?.['requiredProperties'])) {
      for (const name of issue.params['requiredProperties'] as unknown[]) {
        push(`${path}/${String(name)}`, 'is required');
      }
      continue;
    }
    push(path, issue.message ?? `fails ${issue.keyword}`);
  }
  return out;
}
