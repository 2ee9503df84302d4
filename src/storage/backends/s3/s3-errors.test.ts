import { describe, expect, it } from 'vitest';
import { translateS3Error } from './s3-errors.js';

/** The shapes AWS SDK v3 gives its errors (service exceptions and Node socket errors). */
const service = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
const socket = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });

describe('translateS3Error', () => {
  const cases: [unknown, string, boolean][] = [
    [service('NoSuchKey', 404), 'STORAGE_NOT_FOUND', false],
    [service('NotFound', 404), 'STORAGE_NOT_FOUND', false],
    [service('NoSuchBucket', 404), 'STORAGE_BUCKET_NOT_FOUND', false],
    [service('NoSuchUpload', 404), 'STORAGE_UPLOAD_NOT_FOUND', false],
    [service('InvalidPart', 400), 'STORAGE_MULTIPART_INVALID', false],
    [service('EntityTooSmall', 400), 'STORAGE_MULTIPART_INVALID', false],
    [service('BadDigest', 400), 'STORAGE_INTEGRITY', false],
    [service('InvalidRange', 416), 'STORAGE_RANGE_INVALID', false],
    [service('InvalidObjectState', 403), 'STORAGE_ARCHIVED', false],
    [service('SignatureDoesNotMatch', 403), 'STORAGE_ACCESS_DENIED', false],
    [service('Forbidden', 403), 'STORAGE_ACCESS_DENIED', false],
    [service('SlowDown', 503), 'STORAGE_THROTTLED', true],
    [service('TooManyRequests', 429), 'STORAGE_THROTTLED', true],
    [service('InternalError', 500), 'STORAGE_UNAVAILABLE', true],
    [service('ServiceUnavailable', 503), 'STORAGE_UNAVAILABLE', true],
    [socket('ECONNRESET'), 'STORAGE_UNAVAILABLE', true],
    [socket('ECONNREFUSED'), 'STORAGE_UNAVAILABLE', true],
    [Object.assign(new Error('wrapped'), { cause: socket('ETIMEDOUT') }), 'STORAGE_UNAVAILABLE', true],
    [service('EntityTooLarge', 400), 'STORAGE_TOO_LARGE', false],
    [service('NotImplemented', 501), 'STORAGE_SERVICE_ERROR', false],
    [service('InvalidArgument', 400), 'STORAGE_SERVICE_ERROR', false],
  ];
  it.each(cases)('%s → %s', (err, code, retryable) => {
    const translated = translateS3Error(err, 'store s, key "k": get');
    expect(translated.code).toBe(code);
    expect(translated.retryable).toBe(retryable);
    expect(translated.message).toContain('store s, key "k"');
  });

  it('reports an abort as OPERATION_ABORTED, whatever the SDK made of it', () => {
    const controller = new AbortController();
    controller.abort();
    expect(translateS3Error(service('InternalError', 500), 'x', controller.signal).code).toBe(
      'OPERATION_ABORTED',
    );
    expect(translateS3Error(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'x').code).toBe(
      'OPERATION_ABORTED',
    );
  });
});
