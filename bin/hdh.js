#!/usr/bin/env node
// The hdh command. It runs the TypeScript sources through tsx's loader so that a checkout needs no
// build step: `node bin/hdh.js …` or `npx hdh …` work straight after `npm ci`.
import process from 'node:process';

// fs and crypto work runs on libuv's thread pool (4 threads by default): a migration's concurrent
// small writes and fsyncs would queue behind each other. Read when the pool starts (the first fs
// call on it), so set before anything else is loaded.
process.env.UV_THREADPOOL_SIZE ??= '32';
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
