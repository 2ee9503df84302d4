import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalDigest, canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}',
    );
  });

  it('gives the same text for equal values whatever their key order', () => {
    const a = { name: 'r', stores: [{ x: 1, y: 2 }], when: '2026' };
    const b = JSON.parse('{"when":"2026","stores":[{"y":2,"x":1}],"name":"r"}') as unknown;
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('orders keys by UTF-16 code units and escapes strings as JSON does (RFC 8785)', () => {
    const value = {
      '\u20ac': 'Euro',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew',
      '1': 'One',
      '\ud83d\ude00': 'Smiley',
      '\u0080': 'Control',
      '\u00f6': 'Latin',
    };
    expect(canonicalJson(value)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin","\u20ac":"Euro","\ud83d\ude00":"Smiley","\ufb33":"Hebrew"}',
    );
    expect(canonicalJson('line\nquote" tab\t')).toBe('"line\\nquote\\" tab\\t"');
  });

  it('writes numbers as ECMAScript does', () => {
    expect(canonicalJson([0, -0, 1e21, 1e-7, 0.1, 333333333.3333333, 4.5])).toBe(
      '[0,0,1e+21,1e-7,0.1,333333333.3333333,4.5]',
    );
  });

  it('leaves out undefined properties and writes dates as ISO strings', () => {
    expect(canonicalJson({ a: undefined, b: new Date('2026-01-02T03:04:05Z') })).toBe(
      '{"b":"2026-01-02T03:04:05.000Z"}',
    );
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/\$\.n: NaN has no JSON form/);
    expect(() => canonicalJson([1, undefined])).toThrow(/\$\[1\]/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
    expect(() => canonicalJson({ b: 1n })).toThrow(/bigint/);
  });

  it('digests the UTF-8 bytes of the canonical text', () => {
    const value = { é: 'ü' };
    expect(new TextDecoder().decode(canonicalBytes(value))).toBe('{"é":"ü"}');
    expect(canonicalDigest(value)).toBe(
      `sha256:${createHash('sha256').update('{"é":"ü"}', 'utf8').digest('hex')}`,
    );
  });
});
