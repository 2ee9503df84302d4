import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { readSecretLine, type SecretInput } from './passphrase-prompt.js';

/** A stand-in terminal: a stream that records raw-mode switches, as a TTY's stdin would take them. */
function terminal(): {
  input: SecretInput & PassThrough;
  output: PassThrough;
  raw: boolean[];
  shown: () => string;
} {
  const input = new PassThrough() as PassThrough & SecretInput;
  const raw: boolean[] = [];
  input.setRawMode = (mode: boolean) => raw.push(mode);
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  return { input, output, raw, shown: () => Buffer.concat(chunks).toString('utf8') };
}

describe('secret prompt', () => {
  it('reads a line in raw mode without echoing it, with backspace editing', async () => {
    const t = terminal();
    const answer = readSecretLine('Passphrase: ', t);
    t.input.write('sé');
    t.input.write('x\u007fcret');
    t.input.write('\r');
    expect(await answer).toBe('sécret');
    expect(t.raw).toEqual([true, false]);
    expect(t.shown()).toBe('Passphrase: \n');
  });

  it('is cancelled by Ctrl-C and gives up at end of input', async () => {
    const a = terminal();
    const cancelled = readSecretLine('? ', a).catch((e: unknown) => e);
    a.input.write('abc\u0003');
    expect(isHdhError(await cancelled, 'OPERATION_ABORTED')).toBe(true);
    expect(a.raw).toEqual([true, false]);

    const b = terminal();
    const ended = readSecretLine('? ', b).catch((e: unknown) => e);
    b.input.end('abc');
    expect(isHdhError(await ended, 'KMS_PASSPHRASE_MISSING')).toBe(true);
  });
});
