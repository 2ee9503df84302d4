/**
 * The SoftHSM2 token the tests use, as test/servers/softhsm.sh sets it up. Every value comes from the
 * environment the script prints, with defaults matching the script, so `softhsm.sh start` alone is
 * enough to run the pkcs11 tests.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serviceAvailable } from '../../../test/support/services.js';
import { acquireLibrary, type Handle, type LibraryLease } from '../providers/pkcs11/index.js';
import pkcs11js from 'pkcs11js';

const DEFAULT_CONF = fileURLToPath(
  new URL('../../../test/servers/.run/softhsm/softhsm2.conf', import.meta.url),
);

const LIBRARY_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

export interface SoftHsmTestConfig {
  readonly library: string;
  readonly tokenLabel: string;
  readonly pin: string;
  readonly conf: string;
}

/** The test token's settings; points SoftHSM at the script's configuration when none is set. */
export function softHsmTestConfig(): SoftHsmTestConfig {
  const env = process.env;
  const conf = env['SOFTHSM2_CONF'] ?? DEFAULT_CONF;
  // SoftHSM reads its configuration file from this variable when the library initialises.
  env['SOFTHSM2_CONF'] = conf;
  const library =
    env['HDH_TEST_PKCS11_LIBRARY'] ?? LIBRARY_CANDIDATES.find((f) => existsSync(f)) ?? LIBRARY_CANDIDATES[0]!;
  return {
    library,
    tokenLabel: env['HDH_TEST_PKCS11_TOKEN'] ?? 'hdh-test',
    pin: env['HDH_TEST_PKCS11_PIN'] ?? '12345678',
    conf,
  };
}

/**
 * True when the test token answers; else one skip line (or a failure under
 * HDH_TEST_REQUIRE_SERVICES=1).
 */
export async function softHsmAvailable(config: SoftHsmTestConfig): Promise<boolean> {
  return serviceAvailable(`SoftHSM2 token "${config.tokenLabel}" (test/servers/softhsm.sh start)`, () => {
    if (!existsSync(config.library) || !existsSync(config.conf)) {
      return Promise.resolve(false);
    }
    const lease = acquireLibrary(config.library);
    try {
      lease.findToken(config.tokenLabel);
      return Promise.resolve(true);
    } finally {
      lease.release();
    }
  });
}

/** Runs `fn` with a logged-in session of its own on the test token (for white-box checks). */
export function withTestSession<T>(
  config: SoftHsmTestConfig,
  fn: (pk: pkcs11js.PKCS11, session: Handle) => T,
): T {
  const lease: LibraryLease = acquireLibrary(config.library);
  const { slot } = lease.findToken(config.tokenLabel);
  const session = lease.openSession(slot, config.pin, config.tokenLabel);
  try {
    return fn(lease.pk, session);
  } finally {
    lease.closeSession(slot, session);
    lease.release();
  }
}

/** Handles of the token objects whose label starts with `prefix`. */
export function findByLabelPrefix(pk: pkcs11js.PKCS11, session: Handle, prefix: string): Handle[] {
  pk.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_TOKEN, value: true }]);
  const all: Handle[] = [];
  try {
    for (;;) {
      const batch = pk.C_FindObjects(session, 64);
      if (batch.length === 0) {
        break;
      }
      all.push(...batch);
    }
  } finally {
    pk.C_FindObjectsFinal(session);
  }
  return all.filter((h) => {
    const [label] = pk.C_GetAttributeValue(session, h, [{ type: pkcs11js.CKA_LABEL }]);
    return label?.value.toString('utf8').startsWith(prefix) === true;
  });
}

/** Destroys every token object whose label starts with `prefix` (test clean-up). */
export function destroyTestObjects(config: SoftHsmTestConfig, prefix: string): void {
  withTestSession(config, (pk, session) => {
    for (const h of findByLabelPrefix(pk, session, prefix)) {
      pk.C_DestroyObject(session, h);
    }
  });
}
