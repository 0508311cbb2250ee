#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so `npm start` needs no build step.
require('tsx/cjs');
require('../src/cli.ts').main(process.argv.slice(2));
