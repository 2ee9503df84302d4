/**
 * The keyring file on disk: private permissions (checked on every read), atomic replacement, and a
 * lock file so that two hdh processes on one machine never interleave read-modify-write cycles.
 * @module
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../../../core/index.js';
import { KmsErrors } from '../../errors.js';

/** Mode of every file holding key material or a passphrase. */
export const PRIVATE_MODE = 0o600;

/**
 * KMS_KEYRING_PERMISSIONS when group or others have any access to `file`. POSIX only: Windows has no
 * mode bits and relies on the ACL of the hub home.
 */
export async function checkPrivateFile(file: string, what: string): Promise<void> {
  if (process.platform === 'win32') {
    return;
  }
  const st = await stat(file);
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw KmsErrors.KMS_KEYRING_PERMISSIONS(
      `${what} ${file} has mode ${mode}: other users may read it. Run \`chmod 600 ${file}\` and start again`,
    );
  }
}

/** Reads a file that must be private; undefined when it does not exist. */
export async function readPrivateFile(file: string, what: string): Promise<string | undefined> {
  try {
    await checkPrivateFile(file, what);
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw err;
  }
}

/** Replaces `file` atomically with private permissions. */
export function writePrivateFile(file: string, text: string): Promise<void> {
  return writeFileAtomic(file, text, { mode: PRIVATE_MODE });
}

/** A fingerprint that changes whenever the file is replaced or rewritten. */
export async function fileStamp(file: string): Promise<string | undefined> {
  try {
    const st = await stat(file, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw err;
  }
}

const LOCK_WAIT_MS = 10_000;
// A keyring change takes milliseconds; a lock this old was left by a process that died.
const LOCK_STALE_MS = 60_000;

/**
 * Runs `fn` holding `<file>.lock` (created exclusively). Waits up to 10 s for another holder, then
 * fails with KMS_KEYRING_LOCKED; a lock older than a minute is taken over.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', PRIVATE_MODE);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw err;
      }
    }
    const age = await stat(lock).then(
      (st) => Date.now() - st.mtimeMs,
      () => 0,
    );
    if (age > LOCK_STALE_MS) {
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw KmsErrors.KMS_KEYRING_LOCKED(
        `keyring ${file} is locked by another process (${lock}); retry, or remove the lock if no hdh is running`,
      );
    }
    await sleep(25 + Math.random() * 50);
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}
