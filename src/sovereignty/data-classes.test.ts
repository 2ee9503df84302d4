import { describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import {
  DATA_CLASSES,
  DATA_CLASS_DESCRIPTIONS,
  isDataClass,
  parseDataClass,
  sortBySensitivity,
} from './data-classes.js';

describe('data classes', () => {
  it('are ordered from the least to the most sensitive', () => {
    expect(DATA_CLASSES).toEqual([
      'public',
      'anonymous-aggregate',
      'pseudonymised-health',
      'identifying-health',
      'key-material',
    ]);
    expect(sortBySensitivity(['key-material', 'public', 'identifying-health', 'public'])).toEqual([
      'public',
      'identifying-health',
      'key-material',
    ]);
  });

  it('each have a description', () => {
    for (const c of DATA_CLASSES) {
      expect(DATA_CLASS_DESCRIPTIONS[c].length).toBeGreaterThan(20);
    }
  });

  it('refuses an unknown class with SOVEREIGNTY_UNKNOWN_CLASS naming it and where it came from', () => {
    expect(isDataClass('public')).toBe(true);
    expect(isDataClass('secret')).toBe(false);
    expect(parseDataClass('identifying-health')).toBe('identifying-health');
    let thrown: unknown;
    try {
      parseDataClass('health', '--class');
    } catch (err) {
      thrown = err;
    }
    expect(isHdhError(thrown, 'SOVEREIGNTY_UNKNOWN_CLASS')).toBe(true);
    expect((thrown as Error).message).toBe(
      '--class: unknown data class "health"; the classes are public, anonymous-aggregate, pseudonymised-health, identifying-health, key-material',
    );
  });
});
