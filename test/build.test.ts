import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildDist } from '../scripts/build';
import { openDatabase } from '../src/db/database';
import { TEST_MASTER_KEY, TestDatabase, createTestDatabase, tempDir } from './helpers/db';
import { HUB_PACKAGES, packagesLoaded } from './helpers/process';

const ROOT = path.resolve(__dirname, '..');

describe('the compiled hub (npm run build: what bin/intertrade.js runs)', function () {
  this.timeout(120000);
  let out: string;
  let tdb: TestDatabase | null = null;
  // Built away from dist/, which this run leaves alone; its packages come from this repository's node_modules.
  const compiled = (args: string[], env: Record<string, string> = {}) => packagesLoaded(args, {
    cli: path.join(out, 'cli.js'), env: { NODE_PATH: path.join(ROOT, 'node_modules'), ...env },
  });

  before(async () => {
    out = path.join(tempDir('intertrade-build-'), 'dist');
    await buildDist(out);
  });
  after(async () => {
    await tdb?.drop();
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('runs without tsx, and loads no hub package to print its usage', async () => {
    const r = await compiled(['--help']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /exchange approve --code CODE/);
    assert.deepEqual(r.loaded.filter((p) => p === 'tsx/cjs' || p === 'esbuild' || HUB_PACKAGES.includes(p)), []);
  });

  it('migrates with the sources\' migrations under their names, so a database migrated by either is up to date for the other', async () => {
    tdb = await createTestDatabase();
    const env = { DATA_DIR: tdb.dataDir, ...(tdb.databaseUrl ? { DATABASE_URL: tdb.databaseUrl, MASTER_KEY: TEST_MASTER_KEY } : {}) };
    // Embedded, the test database comes migrated by the sources; a server's is empty.
    const first = await compiled(['migrate'], env);
    assert.equal(first.code, 0, first.output);
    const sources = fs.readdirSync(path.join(ROOT, 'migrations')).filter((f) => f.endsWith('.ts')).sort();
    assert.equal(first.output.trim(), tdb.databaseUrl ? `applied: ${sources.join(', ')}` : 'database is up to date');

    const db = await openDatabase({ databaseUrl: tdb.databaseUrl, dataDir: tdb.dataDir });
    try {
      assert.deepEqual(await db.migrate(), [], 'the sources find nothing to apply');
      const rows = await db.owner('knex_migrations').select('name').orderBy('id') as Array<{ name: string }>;
      assert.deepEqual(rows.map((r) => r.name), sources);
    } finally {
      await db.close();
    }
    const again = await compiled(['migrate'], env);
    assert.equal(again.output.trim(), 'database is up to date');
  });

  it('is what bin/intertrade.js runs while no source is newer; after an edit, the sources through tsx', function () {
    // A copy of the launcher in a tree of its own, with a compiled and a source cli that say which they are.
    const root = tempDir('intertrade-bin-');
    try {
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
      };
      write('bin/intertrade.js', fs.readFileSync(path.join(ROOT, 'bin/intertrade.js'), 'utf8'));
      write('src/cli.ts', "export const main = (argv: string[]): void => { process.stdout.write(`sources ${argv.join(' ')}`); };\n");
      write('migrations/20260101000000_x.ts', 'export {};\n');
      const run = () => execFileSync(process.execPath, [path.join(root, 'bin/intertrade.js'), 'community', 'list'], {
        env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(ROOT, 'node_modules') }, encoding: 'utf8',
      });
      assert.equal(run(), 'sources community list', 'no build yet');

      const built = new Date(Date.now() + 60_000); // after every file above, whatever the clock's resolution
      write('dist/cli.js', "exports.main = (argv) => process.stdout.write(`compiled ${argv.join(' ')}`);\n");
      fs.utimesSync(path.join(root, 'dist/cli.js'), built, built);
      assert.equal(run(), 'compiled community list');

      const later = new Date(built.getTime() + 1000);
      fs.utimesSync(path.join(root, 'src/cli.ts'), later, later);
      assert.equal(run(), 'sources community list', 'a source edited since the build');
      fs.utimesSync(path.join(root, 'src/cli.ts'), built, built);
      fs.utimesSync(path.join(root, 'src'), built, built);
      assert.equal(run(), 'compiled community list');
      write('migrations/20260102000000_y.ts', 'export {};\n'); // dates the directory now, before the build
      fs.utimesSync(path.join(root, 'migrations'), later, later);
      assert.equal(run(), 'sources community list', 'a migration added since the build');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
