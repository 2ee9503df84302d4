import { describe, expect, it } from 'vitest';
import { errorDefinition } from '../core/index.js';
import { StorageErrors } from './index.js';

describe('storage errors', () => {
  it('declares the codes callers rely on, each with a status and a description', () => {
    const required = [
      'STORAGE_NOT_FOUND',
      'STORAGE_UNAVAILABLE',
      'STORAGE_THROTTLED',
      'STORAGE_ACCESS_DENIED',
      'STORAGE_BUCKET_NOT_FOUND',
      'STORAGE_DISK_FULL',
      'STORAGE_KEY_INVALID',
      'STORAGE_TOO_LARGE',
      'STORAGE_CREDENTIALS_MISSING',
      'STORAGE_READ_ONLY',
      'STORAGE_INTEGRITY',
      'STORAGE_ARCHIVED',
    ];
    for (const code of required) {
      expect(Object.keys(StorageErrors)).toContain(code);
    }
    for (const code of Object.keys(StorageErrors)) {
      const def = errorDefinition(code);
      expect(code.startsWith('STORAGE_')).toBe(true);
      expect(def?.description.length).toBeGreaterThan(20);
      expect(def?.status).toBeGreaterThanOrEqual(400);
    }
  });

  it('marks transient failures retryable and nothing else', () => {
    const retryable = Object.keys(StorageErrors).filter((code) => errorDefinition(code)?.retryable === true);
    expect(retryable.sort()).toEqual(['STORAGE_THROTTLED', 'STORAGE_UNAVAILABLE']);
    expect(StorageErrors.STORAGE_UNAVAILABLE('x').retryable).toBe(true);
    expect(StorageErrors.STORAGE_NOT_FOUND('x').fault).toBe('client');
  });
});
