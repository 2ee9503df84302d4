import { describe, expect, it } from 'vitest';
import { readCsv, type CsvRow } from './csv-reader.js';
import { scanJson } from './json-scanner.js';
import { findNdjsonLines, readNdjson } from './ndjson-reader.js';
import type { RawRecord } from './raw-record.js';

/** Cuts text into chunks of `size` bytes, to put chunk boundaries everywhere. */
function chunks(text: string, size: number): Buffer[] {
  const all = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += size) {
    out.push(all.subarray(i, i + size));
  }
  return out;
}

async function ndjson(text: string, size: number, limit = 1 << 20): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  await readNdjson(chunks(text, size), (r) => void out.push({ ...r, bytes: Buffer.from(r.bytes) }), limit);
  return out;
}

async function json(text: string, size: number, limit = 1 << 20): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  await scanJson(chunks(text, size), (r) => void out.push({ ...r, bytes: Buffer.from(r.bytes) }), limit);
  return out;
}

describe('NDJSON reader', () => {
  const text = '{"a":1}\r\n\n  \n{"b":"é\\n"}\n{"c":3}';
  it.each([1, 2, 3, 7, 1000])(
    'gives each non-blank line with its line number (chunks of %i bytes)',
    async (size) => {
      const records = await ndjson(text, size);
      expect(records.map((r) => [r.line, r.bytes.toString('utf8')])).toEqual([
        [1, '{"a":1}'],
        [4, '{"b":"é\\n"}'],
        [5, '{"c":3}'],
      ]);
    },
  );

  it('passes a line over the limit as too large, with its first bytes only', async () => {
    const records = await ndjson(`{"x":"${'y'.repeat(100)}"}\n{"ok":1}\n`, 8, 20);
    expect(records[0]).toMatchObject({ line: 1, tooLarge: true });
    expect(records[0]!.bytes.length).toBe(20);
    expect(records[1]).toMatchObject({ line: 2 });
    expect(records[1]!.tooLarge).toBeUndefined();
  });

  it('skips a byte order mark', async () => {
    const records = await ndjson('\uFEFF{"a":1}\n', 2);
    expect(records[0]!.bytes.toString()).toBe('{"a":1}');
  });
});

describe('NDJSON line finder', () => {
  const mark = Buffer.from('"Patient"');
  // Marked and unmarked lines, CRLF, blank lines, a line over the limit, a mark split by every chunk
  // boundary, no final newline.
  const text =
    '\uFEFF{"resourceType":"Patient","id":"a"}\r\n{"resourceType":"Observation"}\n\n' +
    `{"resourceType":"Patient","x":"${'y'.repeat(80)}"}\n{"resourceType":"Encounter","subject":"Patient"}\n` +
    '{"resourceType":"Patient","id":"é"}\n{"a":1}\r\n{"resourceType":"Patient","id":"last"}';

  it.each([1, 2, 5, 9, 16, 64, 1000])(
    'gives exactly the lines holding the mark that the NDJSON reader gives (chunks of %i bytes)',
    async (size) => {
      const limit = 60;
      const expected = (await ndjson(text, size, limit))
        .filter((r) => r.tooLarge !== true && r.bytes.includes(mark))
        .map((r) => [r.offset, r.bytes.toString('utf8')]);
      const found: [number, string][] = [];
      await findNdjsonLines(
        chunks(text, size),
        mark,
        (r) => void found.push([r.offset, r.bytes.toString('utf8')]),
        limit,
      );
      expect(expected).toHaveLength(4);
      expect(found).toEqual(expected);
    },
  );
});

describe('JSON scanner', () => {
  const bundle = [
    '{',
    '  "resourceType": "Bundle",',
    '  "type": "collection",',
    '  "entry": [',
    '    { "fullUrl": "urn:uuid:1", "resource": { "resourceType": "Patient", "id": "a\\"}]{[" } },',
    '    { "resource": { "resourceType": "Observation", "note": [{ "text": "\\\\" }] } }',
    '  ],',
    '  "total": 2',
    '}',
  ].join('\n');

  it.each([1, 2, 5, 64, 100_000])('streams the entries of a Bundle (chunks of %i bytes)', async (size) => {
    const records = await json(bundle, size);
    expect(records.map((r) => [r.kind, r.entry, r.line])).toEqual([
      ['entry', 0, 5],
      ['entry', 1, 6],
    ]);
    const entries = records.map(
      (r) => JSON.parse(r.bytes.toString()) as { resource: Record<string, unknown> },
    );
    expect(entries[0]!.resource['id']).toBe('a"}]{[');
    expect(entries[1]!.resource['note']).toEqual([{ text: '\\' }]);
  });

  it('passes a non-Bundle value whole, and several values one by one', async () => {
    const records = await json(
      '{"resourceType":"Patient","entry":[1]}\n\n{"resourceType":"List","entry":[{"item":{}}]}',
      3,
    );
    const type = (r: RawRecord): unknown =>
      (JSON.parse(r.bytes.toString()) as { resourceType: unknown }).resourceType;
    expect(records.map((r) => [r.kind, r.line, type(r)])).toEqual([
      ['value', 1, 'Patient'],
      ['value', 3, 'List'],
    ]);
  });

  it('passes a Bundle whose entries come before its resourceType whole', async () => {
    const records = await json(
      '{"entry":[{"resource":{"resourceType":"Patient"}}],"resourceType":"Bundle"}',
      4,
    );
    expect(records).toHaveLength(1);
    expect(records[0]!.kind).toBe('value');
  });

  it('reports bytes that are not JSON, and a file ending inside a value', async () => {
    const records = await json(
      'oops\n{"resourceType":"Patient"}\n{"resourceType":"Bundle","entry":[{"resource":{"a',
      4,
    );
    expect(records.map((r) => [r.kind, r.line])).toEqual([
      ['garbage', 1],
      ['value', 2],
      ['truncated', 3],
      ['truncated', 3],
    ]);
    expect(records[3]!.resourceType).toBe('Bundle');
  });

  it('marks an entry over the limit as too large', async () => {
    const big = `{"resourceType":"Bundle","entry":[{"resource":{"x":"${'z'.repeat(200)}"}},{"resource":{}}]}`;
    const records = await json(big, 16, 50);
    expect(records.map((r) => [r.entry, r.tooLarge ?? false])).toEqual([
      [0, true],
      [1, false],
    ]);
  });
});

describe('CSV reader', () => {
  const text = 'a;b;c\r\n1;"x;""y""";z\n2;"multi\nline";\n\n3;;"end"';
  it.each([1, 3, 1000])(
    'reads quoted fields, doubled quotes, line breaks in quotes (chunks of %i bytes)',
    async (size) => {
      const rows: CsvRow[] = [];
      await readCsv(chunks(text, size), ';', (r) => void rows.push(r), 1 << 20);
      expect(rows.map((r) => [r.line, r.fields])).toEqual([
        [1, ['a', 'b', 'c']],
        [2, ['1', 'x;"y"', 'z']],
        [3, ['2', 'multi\nline', '']],
        [6, ['3', '', 'end']],
      ]);
      expect(rows[1]!.raw).toBe('1;"x;""y""";z');
      expect(rows[2]!.raw).toBe('2;"multi\nline";');
    },
  );

  it('flags a file ending inside a quoted field', async () => {
    const rows: CsvRow[] = [];
    await readCsv(chunks('a,b\n1,"open', 2), ',', (r) => void rows.push(r), 1 << 20);
    expect(rows[1]).toMatchObject({ line: 2, unterminated: true });
  });
});
