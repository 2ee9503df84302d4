/**
 * How requests are checked against their TypeBox schemas: bodies without coercion (a string is not a
 * number) and with unknown fields refused (TypeBox never strips them, unlike Fastify's default Ajv
 * settings); path parameters, query strings and headers coerced as @fastify/type-provider-typebox
 * does (`?limit=20` becomes a number).
 * @module
 */
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The provider coerces every non-body part with `Value.Convert` before checking it. Convert walks the
 * schema without compiling it (it builds a regular expression per object property on every call): on
 * a cached catalogue request, more CPU than the rest of validation, authentication and authorisation
 * together. Convert leaves a value that already passes the check as it is (each of its steps returns
 * a value of the right type unchanged, a union a value one of its members accepts), so such a value
 * is accepted at once; any other value goes through the provider's own Convert and check, built on
 * first need, so coercions and errors are exactly the provider's.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  if (route.httpPart === 'body') {
    const check = TypeBoxValidatorCompiler(route);
    const required = (route.schema as { required?: unknown[] }).required ?? [];
    // A body whose fields are all optional may be left out entirely.
    return (value: unknown) =>
      (value === undefined || value === null) && required.length === 0 ? { value: {} } : check(value);
  }
  const compiled = Compile(route.schema);
  let coerceAndCheck: ReturnType<typeof TypeBoxValidatorCompiler> | undefined;
  return (value: unknown) => {
    if (compiled.Check(value)) {
      return { value };
    }
    coerceAndCheck ??= TypeBoxValidatorCompiler(route);
    return coerceAndCheck(value);
  };
};
