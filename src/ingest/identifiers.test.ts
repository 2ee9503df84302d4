import { describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { isValidNir, nirKey, nirProblem, normalizeNir, withNirKey } from './identifiers.js';

describe('NIR and INS matricule', () => {
  it.each([
    ['260058815400233', 33],
    ['185057512345673', 73],
    ['180127512345642', 42],
    ['206127511100564', 64],
    ['180122A00412325', 25],
    ['180122B00412352', 52],
  ])('%s has key %i', (nir, key) => {
    expect(nirKey(nir.slice(0, 13))).toBe(key);
    expect(isValidNir(nir)).toBe(true);
  });

  it('reads Corsica 2A as 19 and 2B as 18 before computing the key', () => {
    const as19 = 97 - (Number('1801219004123') % 97);
    const as18 = 97 - (Number('1801218004123') % 97);
    expect(nirKey('180122A004123')).toBe(as19);
    expect(nirKey('180122B004123')).toBe(as18);
    expect(as19).not.toBe(as18);
  });

  it('rejects a wrong key, a wrong length and a wrong layout, saying why', () => {
    expect(nirProblem('260058815400234')).toMatch(/wrong key/);
    expect(nirProblem('26005881540023')).toMatch(/14 characters/);
    expect(nirProblem('960058815400233')).toMatch(/layout/);
    expect(nirProblem('2600588154002AB')).toMatch(/layout/);
    expect(isValidNir('260058815400234')).toBe(false);
  });

  it('accepts the spaces and dots people type', () => {
    expect(normalizeNir('2 60 05 88 154 002 33')).toBe('260058815400233');
    expect(isValidNir('2 60 05 88 154 002 33')).toBe(true);
    expect(isValidNir('1.80.12.2a.004.123.25')).toBe(true);
  });

  it('completes a body with its key, and refuses a malformed body with a coded error', () => {
    expect(withNirKey('2600588154002')).toBe('260058815400233');
    expect(isValidNir(withNirKey('1991297412001'))).toBe(true);
    try {
      withNirKey('12');
      expect.unreachable();
    } catch (err) {
      expect(isHdhError(err, 'INPUT_INVALID')).toBe(true);
    }
  });
});
