/**
 * `npm run build` (also `prepare`, so `npm install` and `npm ci` run it): compiles the
 * hub to plain JavaScript in dist/, which bin/intertrade.js runs when it is there and
 * not older than the sources. Compiling TypeScript at every start (tsx) made a CLI call
 * take seconds on a small machine; mocha, the benches and the scripts keep running the
 * sources through tsx.
 *
 * - dist/cli.js: src/cli.ts bundled with everything of this repository it imports,
 *   the devnet package included (a workspace package whose entry point is TypeScript);
 *   every other package stays a require() of node_modules, loaded as it is.
 * - dist/dashboard/: the web dashboard's page, app.js and app.css, bundled from
 *   web/dashboard (src/dashboard/assets.ts) with its libraries from node_modules;
 * - dist/migrations/<name>.js: each migration on its own, found by listing the
 *   directory as knex lists migrations/ (src/db/database.ts), so a new migration needs
 *   no list to be kept.
 *
 * tsconfig.json is read as tsx reads it (same esbuild), so the compiled code behaves
 * as the sources do under tsx. Types are not checked here: that is `npm run typecheck`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BuildOptions, Plugin, build } from 'esbuild';
import { bundleDashboard } from '../src/dashboard/assets';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist');

/** Packages are loaded from node_modules at run time, except this repository's own workspace packages. */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@intertrade/') || path.isAbsolute(args.path)
      ? undefined
      : { path: args.path, external: true }));
  },
};

const common: BuildOptions = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  tsconfig: path.join(ROOT, 'tsconfig.json'),
  // Error names, class names in logs and objection's models stay as in the sources.
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [externalPackages],
};

/**
 * Builds into `out` (dist/ by default): through a fresh directory moved into place at
 * the end, so an interrupted build leaves no half of a dist/ for bin/intertrade.js to run.
 * dist/cli.js is dated when the build started reading the sources: a source saved
 * during the build is newer, and bin/intertrade.js runs the sources until the next one.
 */
export async function buildDist(out = OUT): Promise<void> {
  const started = new Date();
  const tmp = `${out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    const migrations = fs.readdirSync(path.join(ROOT, 'migrations')).filter((f) => f.endsWith('.ts'));
    await Promise.all([
      build({ ...common, entryPoints: { cli: 'src/cli.ts' }, outdir: tmp }),
      build({
        ...common,
        entryPoints: Object.fromEntries(migrations.map((f) => [path.basename(f, '.ts'), path.join('migrations', f)])),
        outdir: path.join(tmp, 'migrations'),
      }),
      bundleDashboard(path.join(tmp, 'dashboard')),
    ]);
    fs.utimesSync(path.join(tmp, 'cli.js'), started, started);
    fs.rmSync(out, { recursive: true, force: true });
    fs.renameSync(tmp, out);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const t0 = Date.now();
  buildDist().then(() => {
    const migrations = fs.readdirSync(path.join(OUT, 'migrations')).filter((f) => f.endsWith('.js')).length;
    process.stdout.write(`built dist/ (cli.js and ${migrations} migrations) in ${Date.now() - t0} ms\n`);
  }, (err: unknown) => {
    process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
