import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsv } from './csv.js';

async function parse(chunks: string[]): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of readCsv(Readable.from(chunks.map((c) => Buffer.from(c))))) {
    out.push(r.fields);
  }
  return out;
}

describe('readCsv', () => {
  it('reads quoted fields, doubled quotes, commas and line breaks inside quotes, CRLF', async () => {
    const text = 'Name,Size\r\n"a,b",1\r\n"say ""hi""",2\r\n"two\nlines",3\r\nplain,4';
    expect(await parse([text])).toEqual([
      ['Name', 'Size'],
      ['a,b', '1'],
      ['say "hi"', '2'],
      ['two\nlines', '3'],
      ['plain', '4'],
    ]);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    const text = '\ufeffName,Etag\n"x ""y""","0x1"\r\n"z",\n';
    const whole = await parse([text]);
    for (let cut = 1; cut < text.length; cut++) {
      expect(await parse([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
    expect(whole).toEqual([
      ['Name', 'Etag'],
      ['x "y"', '0x1'],
      ['z', ''],
    ]);
  });

  it('refuses an unclosed quote, naming the line', async () => {
    await expect(parse(['a,b\n"open,1\n'])).rejects.toThrow(/line 2/);
  });
});
