/**
 * Reading a secret (keyring passphrase) from a terminal without echoing it.
 * @module
 */
import { CoreErrors } from '../core/index.js';
import { KmsErrors } from './errors.js';

/** Asks the user for a secret; resolves to what they typed. */
export type PassphrasePrompt = (question: string) => Promise<string>;

/** The input side of a terminal: a readable stream that may switch to raw mode. */
export interface SecretInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/**
 * Writes `question` to `output`, then reads one line from `input` in raw mode so nothing is echoed.
 * Backspace edits; Enter ends; Ctrl-C rejects with OPERATION_ABORTED; end of input before Enter
 * rejects with KMS_PASSPHRASE_MISSING.
 */
export function readSecretLine(
  question: string,
  io: { readonly input: SecretInput; readonly output: NodeJS.WritableStream },
): Promise<string> {
  const { input, output } = io;
  output.write(question);
  return new Promise<string>((resolvePromise, reject) => {
    // Code points, so that Backspace removes a whole character whatever its UTF-16 length.
    const typed: string[] = [];
    const finish = (err: Error | undefined): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (err === undefined) {
        resolvePromise(typed.join(''));
      } else {
        reject(err);
      }
    };
    const onData = (chunk: string | Buffer): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish(undefined);
          return;
        }
        if (ch === '\u0003') {
          finish(CoreErrors.OPERATION_ABORTED('passphrase prompt cancelled'));
          return;
        }
        if (ch === '\u0004' && typed.length === 0) {
          finish(KmsErrors.KMS_PASSPHRASE_MISSING('no passphrase typed (end of input)'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') {
          typed.pop();
        } else if (ch >= ' ') {
          typed.push(ch);
        }
      }
    };
    const onEnd = (): void => {
      finish(KmsErrors.KMS_PASSPHRASE_MISSING('input ended before a passphrase was typed'));
    };
    input.setRawMode?.(true);
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}

/** A prompt on this process's terminal (stdin, question on stderr); undefined when stdin is not a terminal. */
export function terminalPrompt(): PassphrasePrompt | undefined {
  if (!process.stdin.isTTY) {
    return undefined;
  }
  return (question) => readSecretLine(question, { input: process.stdin, output: process.stderr });
}
