import { describe, expect, it } from 'vitest';
import { scrub, translateAzureError } from './azure-blob-errors.js';

/** The shape @azure/core-rest-pipeline gives its RestError. */
const rest = (code: string | undefined, statusCode: number | undefined, message = `${code} happened`) =>
  Object.assign(new Error(message), { name: 'RestError', code, statusCode });

describe('translateAzureError', () => {
  const cases: [unknown, string, boolean][] = [
    [rest('BlobNotFound', 404), 'STORAGE_NOT_FOUND', false],
    [rest(undefined, 404), 'STORAGE_NOT_FOUND', false],
    [rest('ContainerNotFound', 404), 'STORAGE_BUCKET_NOT_FOUND', false],
    [rest('BlobArchived', 409), 'STORAGE_ARCHIVED', false],
    [rest('InvalidRange', 416), 'STORAGE_RANGE_INVALID', false],
    [rest('Md5Mismatch', 400), 'STORAGE_INTEGRITY', false],
    [rest('InvalidBlockList', 400), 'STORAGE_MULTIPART_INVALID', false],
    [rest('AuthenticationFailed', 403), 'STORAGE_ACCESS_DENIED', false],
    [rest('AuthorizationPermissionMismatch', 403), 'STORAGE_ACCESS_DENIED', false],
    [rest('ServerBusy', 503), 'STORAGE_THROTTLED', true],
    [rest(undefined, 429), 'STORAGE_THROTTLED', true],
    [rest('InternalError', 500), 'STORAGE_UNAVAILABLE', true],
    [rest('OperationTimedOut', 500), 'STORAGE_UNAVAILABLE', true],
    [rest('REQUEST_SEND_ERROR', undefined, 'connect ECONNREFUSED 127.0.0.1:9'), 'STORAGE_UNAVAILABLE', true],
    [rest('RequestBodyTooLarge', 413), 'STORAGE_TOO_LARGE', false],
    [rest('InvalidHeaderValue', 400), 'STORAGE_SERVICE_ERROR', false],
  ];
  it.each(cases)('%s → %s', (err, code, retryable) => {
    const translated = translateAzureError(err, 'store a, key "k": put');
    expect(translated.code).toBe(code);
    expect(translated.retryable).toBe(retryable);
  });

  it('never quotes a SAS signature or a given secret', () => {
    const url = 'http://127.0.0.1:9/devstoreaccount1/c/k?sv=2024&sig=c2VjcmV0U2lnbmF0dXJl%3D&se=2030';
    const err = rest('REQUEST_SEND_ERROR', undefined, `request to ${url} failed with key SUPERSECRETKEY123`);
    const translated = translateAzureError(err, 'x', undefined, ['SUPERSECRETKEY123']);
    expect(translated.message).not.toContain('c2VjcmV0U2lnbmF0dXJl');
    expect(translated.message).not.toContain('SUPERSECRETKEY123');
    expect(scrub('a?sig=abc&b=1')).toBe('a?sig=REDACTED&b=1');
  });
});
