#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the command needs no build step.
require('tsx/cjs');
require('../src/cli.ts').runDevnet(process.argv.slice(2));
