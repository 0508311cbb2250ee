#!/usr/bin/env node
// Runs the compiled hub, dist/cli.js (`npm run build`, which `npm install` and `npm ci`
// run), when it is there and no source is newer than it. Otherwise it runs the
// TypeScript sources through tsx, as mocha does: a checkout without a build, or with a
// source edited since, works the same, only slower to start (tsx compiles at each start).
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist', 'cli.js');
/** What dist/ is built from (scripts/build.ts); a directory counts with everything in it. */
const SOURCES = ['src', 'protocols', 'migrations', 'packages/devnet/src', 'web', 'tsconfig.json', 'scripts/build.ts'];

/** Whether `p`, or anything under it, changed after `time` (a directory changes when a file is added or removed). */
function changedSince(p, time) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return false; // not shipped (an image may hold dist/ alone)
  }
  if (stat.mtimeMs > time) return true;
  return stat.isDirectory() && fs.readdirSync(p).some((name) => changedSince(path.join(p, name), time));
}

function compiled() {
  let built;
  try {
    built = fs.statSync(DIST).mtimeMs; // the build sets it to when it started reading the sources
  } catch {
    return false;
  }
  const stale = SOURCES.some((s) => changedSince(path.join(ROOT, s), built));
  if (stale && process.stderr.isTTY) process.stderr.write('intertrade: sources changed since the last build; running them through tsx (`npm run build` to compile them)\n');
  return !stale;
}

if (compiled()) {
  // Source maps are not turned on here: reading them (PGlite's too) adds a tenth of a
  // second to every start. NODE_OPTIONS=--enable-source-maps makes stack traces name
  // the TypeScript sources' lines (dist/cli.js.map); without, they name dist/cli.js,
  // which is readable and marks each source file with a `// src/….ts` comment.
  require(DIST).main(process.argv.slice(2));
} else {
  require('tsx/cjs');
  require('../src/cli.ts').main(process.argv.slice(2));
}
