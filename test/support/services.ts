/**
 * Gates for tests that need a real server (PostgreSQL, Azurite, Ceph radosgw, SoftHSM2). Without
 * HDH_TEST_REQUIRE_SERVICES a missing server skips those tests with one line saying so; with it (as
 * `.ci/run` sets) a missing server fails the run.
 */
import { connect } from 'node:net';

export const REQUIRE_SERVICES = process.env['HDH_TEST_REQUIRE_SERVICES'] === '1';

const announced = new Set<string>();

/**
 * Resolves to true when the service answers. When it does not: throws under
 * HDH_TEST_REQUIRE_SERVICES=1, else prints one skip line (once per service and file) and resolves false.
 */
export async function serviceAvailable(name: string, probe: () => Promise<boolean>): Promise<boolean> {
  let ok: boolean;
  try {
    ok = await probe();
  } catch {
    ok = false;
  }
  if (ok) {
    return true;
  }
  if (REQUIRE_SERVICES) {
    throw new Error(`${name} is required (HDH_TEST_REQUIRE_SERVICES=1) but does not answer`);
  }
  if (!announced.has(name)) {
    announced.add(name);
    console.warn(
      `[skip] ${name} is not running: its tests are skipped (start it with test/servers/all.sh start, or run .ci/run)`,
    );
  }
  return false;
}

export function tcpProbe(host: string, port: number, timeoutMs = 1000): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const socket = connect({ host, port });
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
}
