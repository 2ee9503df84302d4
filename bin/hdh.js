#!/usr/bin/env node
// The hdh command. It runs the TypeScript sources through tsx's loader so that a checkout needs no
// build step: `node bin/hdh.js …` or `npx hdh …` work straight after `npm ci`.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
