/**
 * Coded errors. Every failure a user can meet is an {@link HdhError} with a stable `code` (e.g.
 * `STORAGE_NOT_FOUND`); callers check the code, never the class or the message. Each concept declares
 * its codes once with {@link defineErrors}; the declarations form one registry that the server maps to
 * HTTP statuses and that docs/errors.md must list completely (a test checks it).
 * @module
 */

/** Who is at fault: the caller (bad input, missing object) or the system (a server, a disk). */
export type Fault = 'client' | 'server';

export interface ErrorDefinition {
  /** HTTP status the server answers with. */
  readonly status: number;
  /** One sentence for docs/errors.md: what happened and what to do. */
  readonly description: string;
  /** Whether repeating the same operation may succeed (network blips, throttling). */
  readonly retryable?: boolean;
}

export interface RegisteredError extends ErrorDefinition {
  readonly code: string;
  readonly fault: Fault;
}

export interface HdhErrorOptions {
  readonly details?: Record<string, unknown>;
  readonly cause?: unknown;
  /** Overrides the definition's retryability, e.g. for a vendor error known to be transient. */
  readonly retryable?: boolean;
}

const REGISTRY = new Map<string, RegisteredError>();

export class HdhError extends Error {
  override readonly name = 'HdhError';
  readonly code: string;
  readonly status: number;
  readonly fault: Fault;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: HdhErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const def = REGISTRY.get(code);
    this.code = code;
    this.status = def?.status ?? 500;
    this.fault = def?.status !== undefined && def.status < 500 ? 'client' : 'server';
    this.retryable = options.retryable ?? def?.retryable ?? false;
    this.details = options.details;
  }

  /** The shape written to logs and JSON answers: never the cause chain, which may hold vendor secrets. */
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

type ErrorFactory = (message: string, options?: HdhErrorOptions) => HdhError;

/**
 * Declares a concept's error codes and returns one factory per code:
 * ```ts
 * export const StorageErrors = defineErrors({
 *   STORAGE_NOT_FOUND: { status: 404, description: 'The object does not exist.' },
 * });
 * throw StorageErrors.STORAGE_NOT_FOUND(`no object ${key}`);
 * ```
 */
export function defineErrors<const T extends Record<string, ErrorDefinition>>(
  definitions: T,
): { readonly [K in keyof T]: ErrorFactory } {
  const factories: Record<string, ErrorFactory> = {};
  for (const [code, def] of Object.entries(definitions)) {
    if (!/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(code)) {
      throw new Error(`error code ${code} must be SCREAMING_SNAKE_CASE with a concept prefix`);
    }
    const existing = REGISTRY.get(code);
    if (existing !== undefined && existing.description !== def.description) {
      throw new Error(`error code ${code} is defined twice`);
    }
    REGISTRY.set(code, { ...def, code, fault: def.status < 500 ? 'client' : 'server' });
    factories[code] = (message, options) => new HdhError(code, message, options);
  }
  return factories as { readonly [K in keyof T]: ErrorFactory };
}

/** Every code declared so far (the concepts register theirs when their module loads). */
export function registeredErrors(): readonly RegisteredError[] {
  return [...REGISTRY.values()].sort((a, b) => a.code.localeCompare(b.code));
}

export function errorDefinition(code: string): RegisteredError | undefined {
  return REGISTRY.get(code);
}

/** True for an HdhError, optionally of one of the given codes. Works across duplicated module copies. */
export function isHdhError(err: unknown, ...codes: string[]): err is HdhError {
  if (!(err instanceof Error) || err.name !== 'HdhError') {
    return false;
  }
  const code: unknown = (err as { code?: unknown }).code;
  return typeof code === 'string' && (codes.length === 0 || codes.includes(code));
}

export const CoreErrors = defineErrors({
  CONFIG_INVALID: {
    status: 400,
    description:
      'hdh.yaml or an HDH_* environment override does not match the schema; the message lists every problem with its path.',
  },
  CONFIG_NOT_FOUND: {
    status: 404,
    description:
      'No hdh.yaml in the hub home. Run `hdh init --home DIR` or pass the right --home / HDH_HOME.',
  },
  CONFIG_PARSE_FAILED: {
    status: 400,
    description: 'hdh.yaml is not valid YAML; the message gives the line and column.',
  },
  HUB_EXISTS: {
    status: 409,
    description: '`hdh init` was asked to create a hub where one already exists; nothing was changed.',
  },
  INPUT_INVALID: {
    status: 400,
    description: 'An argument or request field is malformed; the message names it and what was expected.',
  },
  INPUT_NOT_FOUND: {
    status: 404,
    description: 'A file or resource named in the request does not exist.',
  },
  INTERNAL_ERROR: {
    status: 500,
    description: 'An unexpected failure inside hdh; the log holds the detail. Please report it.',
  },
  OPERATION_ABORTED: {
    status: 499,
    description: 'The operation was cancelled (signal, Ctrl-C or a time limit) before it finished.',
  },
});

/** Turns anything thrown into an HdhError, keeping HdhErrors as they are. */
export function toHdhError(err: unknown): HdhError {
  if (isHdhError(err)) {
    return err;
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return CoreErrors.OPERATION_ABORTED(err.message, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return CoreErrors.INTERNAL_ERROR(message, { cause: err });
}
