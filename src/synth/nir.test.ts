import { describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import {
  INS_NIR_DEMO_SYSTEM,
  INS_NIR_SYSTEM,
  checkIns,
  checkNir,
  isValidNir,
  makeNir,
  nirKey,
  normalizeNir,
} from './nir.js';
import { Rng } from './prng.js';

/** Independent oracle: the key computed with BigInt over the whole body, Corsica letters replaced. */
function oracleKey(body: string): number {
  const numeric = body.replace(/^(.{5})2A/, '$119').replace(/^(.{5})2B/, '$118');
  return 97 - Number(BigInt(numeric) % 97n);
}

describe('NIR key', () => {
  // Published examples (FR Core Patient INS example, decomposition examples from public guides).
  it.each(['260058815400233', '185057512345673', '180127512345642', '206127511100564'])(
    'accepts the published example %s',
    (nir) => {
      expect(nirKey(nir.slice(0, 13))).toBe(Number(nir.slice(13)));
      expect(isValidNir(nir)).toBe(true);
    },
  );

  it('reads Corsica 2A as 19 and 2B as 18', () => {
    expect(isValidNir('180122A00412325')).toBe(true);
    expect(isValidNir('180122B00412352')).toBe(true);
    // Same digits with the département read as 20 would give another key: 2A/2B are not ignored.
    expect(nirKey('1801220004123')).not.toBe(nirKey('180122A004123'));
    expect(nirKey('180122A004123')).toBe(oracleKey('180122A004123'));
    expect(nirKey('180122b004123')).toBe(nirKey('180122B004123'));
  });

  it('agrees with a BigInt oracle on many random bodies, Corsica and overseas included', () => {
    const rng = new Rng(1, 2, 3, 4);
    const failures: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const place = rng.pick(['75', '2A', '2B', '20', '971', '974', '99', '13', '01']);
      const nir = makeNir({
        sex: rng.range(1, 2),
        year: rng.range(1900, 2025),
        month: rng.range(1, 12),
        place,
        commune: rng.range(1, place.length === 3 ? 99 : 999),
        order: rng.range(1, 999),
      });
      if (nir.length !== 15 || Number(nir.slice(13)) !== oracleKey(nir.slice(0, 13)) || !checkNir(nir).ok) {
        failures.push(nir);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses a malformed body with a coded error', () => {
    for (const body of [
      '160058815400',
      '3600588154002X',
      '2601388154002',
      '2600500154002',
      '26005ZZ154002',
    ]) {
      expect(() => nirKey(body)).toThrow();
      try {
        nirKey(body);
      } catch (err) {
        expect(isHdhError(err, 'SYNTH_NIR_MALFORMED')).toBe(true);
      }
    }
  });
});

describe('checkNir', () => {
  it('says "key" when only the key is wrong, for every wrong key', () => {
    const good = '260058815400233';
    for (let k = 1; k <= 97; k++) {
      const nir = good.slice(0, 13) + String(k).padStart(2, '0');
      const check = checkNir(nir);
      if (k === 33) {
        expect(check.ok).toBe(true);
      } else {
        expect(check).toMatchObject({ ok: false, problem: 'key' });
      }
    }
  });

  it('says "format" for wrong length, letters, sex digit, month and département', () => {
    for (const nir of [
      '2600588154002',
      '26005881540023',
      '2600588154002333',
      '26005881540O233',
      '960058815400233',
      '060058815400233',
      '260138815400233',
      '260000815400233',
      '260050015400233',
      '2600588154002AB',
    ]) {
      expect(checkNir(nir)).toMatchObject({ ok: false, problem: 'format' });
    }
  });

  it('keeps INSEE special months and provisional sex digits valid', () => {
    for (const month of ['20', '30', '42', '50']) {
      const body = `180${month}75123456`;
      const nir = body + String(nirKey(body)).padStart(2, '0');
      expect(isValidNir(nir)).toBe(true);
    }
    const provisional = '7800575123456';
    expect(isValidNir(provisional + String(nirKey(provisional)).padStart(2, '0'))).toBe(true);
  });

  it('tolerates spaces and lower-case Corsica letters, and decomposes the parts', () => {
    expect(normalizeNir(' 1 80 12 2a 004 123 25 ')).toBe('180122A00412325');
    const check = checkNir('1 80 12 2a 004 123 25');
    expect(check).toMatchObject({
      ok: true,
      nir: '180122A00412325',
      parts: { sex: 1, year: '80', month: '12', place: '2A', commune: '004', order: '123', key: '25' },
    });
    const overseas = makeNir({ sex: 2, year: 1990, month: 3, place: '974', commune: 11, order: 42 });
    expect(checkNir(overseas)).toMatchObject({
      ok: true,
      parts: { place: '974', commune: '11', order: '042' },
    });
  });
});

describe('makeNir', () => {
  it('rebuilds the published example from its parts', () => {
    expect(makeNir({ sex: 2, year: 1960, month: 5, place: '88', commune: 154, order: 2 })).toBe(
      '260058815400233',
    );
  });

  it('refuses parts out of range', () => {
    const base = { sex: 1, year: 1980, month: 1, place: '75', commune: 1, order: 1 };
    for (const bad of [
      { order: 0 },
      { order: 1000 },
      { commune: 1000 },
      { place: '7' },
      { place: '971', commune: 100 },
    ]) {
      expect(() => makeNir({ ...base, ...bad })).toThrow(/NIR/);
    }
  });
});

describe('checkIns', () => {
  it('accepts a valid INS-NIR identifier', () => {
    expect(checkIns({ system: INS_NIR_SYSTEM, value: '260058815400233' })).toEqual({ ok: true });
  });

  it('names the problem: system, format, key', () => {
    expect(checkIns({ system: 'urn:oid:1.2.3', value: '260058815400233' })).toMatchObject({
      problem: 'system',
    });
    expect(checkIns({ system: INS_NIR_DEMO_SYSTEM, value: '260058815400233' })).toMatchObject({
      problem: 'system',
    });
    expect(
      checkIns({ system: INS_NIR_DEMO_SYSTEM, value: '260058815400233' }, { allowTestSystems: true }),
    ).toEqual({
      ok: true,
    });
    expect(checkIns({ system: INS_NIR_SYSTEM, value: '2600588154002' })).toMatchObject({ problem: 'format' });
    expect(checkIns({ system: INS_NIR_SYSTEM, value: '2 60 05 88 154 002 33' })).toMatchObject({
      problem: 'format',
    });
    expect(checkIns({ system: INS_NIR_SYSTEM })).toMatchObject({ problem: 'format' });
    expect(checkIns({ system: INS_NIR_SYSTEM, value: '260058815400234' })).toMatchObject({ problem: 'key' });
  });
});
