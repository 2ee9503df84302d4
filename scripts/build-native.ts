/**
 * `npm ci` / `npm install` run this (package.json "install"; also `npm run build:native`): builds the
 * native sealer (native/seal.cc, binding.gyp) with the node-gyp that npm bundles, against this Node's
 * own headers and OpenSSL. A failed build never fails the install: it prints one warning line, and
 * sealing takes the node:crypto path (same bytes, slower). The build log goes to build/native.log.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build', 'Release', 'hdh_seal.node');

/** npm tells its scripts where its node-gyp is; otherwise look beside this Node's npm. */
function nodeGyp(): string | undefined {
  const given = process.env['npm_config_node_gyp'];
  if (given !== undefined && existsSync(given)) {
    return given;
  }
  const prefix = dirname(dirname(process.execPath));
  return [
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].find((path) => existsSync(path));
}

/** Node's own headers when installed beside it, so that node-gyp downloads nothing. */
function nodeDirArgs(): string[] {
  if (process.env['npm_config_nodedir'] !== undefined) {
    return [];
  }
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function warn(why: string): void {
  console.warn(
    `hdh: the native sealer was not built (${why}); sealing uses node:crypto instead: the same bytes, slower. See docs/crypto-native.md.`,
  );
}

function main(): void {
  const gyp = nodeGyp();
  if (gyp === undefined) {
    warn('node-gyp not found');
    return;
  }
  const run = spawnSync(process.execPath, [gyp, 'rebuild', ...nodeDirArgs()], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  mkdirSync(join(root, 'build'), { recursive: true });
  writeFileSync(join(root, 'build', 'native.log'), `${run.stdout}\n${run.stderr}`);
  if (run.status !== 0) {
    const line = run.stderr.split('\n').find((l) => /error/i.test(l)) ?? `exit status ${run.status}`;
    warn(`${line.trim()}; log in build/native.log`);
    return;
  }
  // The build can succeed and still not load (a symbol this Node does not export): check in a child.
  const load = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8' });
  if (load.status !== 0) {
    warn(`it does not load: ${load.stderr.split('\n').find((l) => l.trim() !== '') ?? 'unknown error'}`);
    return;
  }
  console.log('hdh: native sealer built (build/Release/hdh_seal.node)');
}

main();
