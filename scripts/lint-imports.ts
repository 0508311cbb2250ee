/**
 * `npm run lint:imports`: the house rules of the layout, checked on the import graph
 * (madge resolves every import to a file, as tsc does):
 *
 * - nothing under src/ imports a protocol, except src/plugins.ts, and it only the one
 *   list, protocols/index.ts (the composition root and the CLI read the list there);
 * - a protocol reaches the core only through its front door (src/core/index.ts) and the
 *   shared kernels (config, logger, http, db, governance, the plug-in interface), never
 *   a file inside src/core, src/ledger, src/vault…; nor another protocol's folder;
 * - nothing outside packages/devnet imports a file inside it (only the package name);
 * - src/app.ts is imported only by the CLI and by tests.
 *
 * Exits 1 listing every import that breaks a rule. `npm run lint:cycles` checks cycles.
 */
import fs from 'node:fs';
import path from 'node:path';
import madge from 'madge';

const ROOT = path.resolve(__dirname, '..');

/** The devnet package's public entry points (its package.json exports), as files of this repository. */
function devnetEntries(): Set<string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'packages/devnet/package.json'), 'utf8')) as { exports: Record<string, string> };
  return new Set(Object.values(pkg.exports).map((f) => path.posix.join('packages/devnet', f)));
}

/** What a protocol may import from src/: the core's front door and the shared kernels. */
const PROTOCOL_MAY_IMPORT = [
  /^src\/core\/index\.ts$/,
  /^src\/governance\/index\.ts$/,
  /^src\/protocol\.ts$/,
  /^src\/config\.ts$/,
  /^src\/logger\.ts$/,
  /^src\/http\/[^/]+\.ts$/,
  /^src\/db\/(database|model|group-commit|changes)\.ts$/,
];

interface Broken { from: string; to: string; rule: string }

export function check(graph: Record<string, string[]>, entries = devnetEntries()): Broken[] {
  const broken: Broken[] = [];
  for (const [from, deps] of Object.entries(graph)) {
    for (const to of deps) {
      const fail = (rule: string) => broken.push({ from, to, rule });
      if (from.startsWith('src/') && to.startsWith('protocols/')) {
        if (!(from === 'src/plugins.ts' && to === 'protocols/index.ts')) fail('src/ imports no protocol (only src/plugins.ts, the list in protocols/index.ts)');
      }
      if (from.startsWith('protocols/') && from !== 'protocols/index.ts') {
        const own = from.split('/')[1];
        if (to.startsWith('src/') && !PROTOCOL_MAY_IMPORT.some((r) => r.test(to))) fail('a protocol imports the core only from src/core (its index) and the shared kernels');
        if (to.startsWith('protocols/') && to.split('/')[1] !== own) fail('a protocol does not import another protocol');
      }
      if (!from.startsWith('packages/devnet/') && to.startsWith('packages/devnet/') && !entries.has(to)) fail('outside packages/devnet, only the package @intertrade/devnet\'s entry points are imported (its name, never a file inside)');
      if (to === 'src/app.ts' && from !== 'src/cli.ts' && !from.startsWith('test/')) fail('src/app.ts (the composition root) is imported only by the CLI and tests');
    }
  }
  return broken;
}

async function main(): Promise<void> {
  const result = await madge(['src', 'protocols', 'test', 'bench', 'migrations'].map((d) => path.join(ROOT, d)), {
    baseDir: ROOT,
    fileExtensions: ['ts'],
    tsConfig: path.join(ROOT, 'tsconfig.json'),
  });
  const broken = check(result.obj());
  for (const b of broken) process.stderr.write(`${b.from} → ${b.to}: ${b.rule}\n`);
  process.stdout.write(broken.length ? `${broken.length} import(s) break the layout's rules\n` : `imports follow the layout's rules (${Object.keys(result.obj()).length} files)\n`);
  process.exitCode = broken.length ? 1 : 0;
}

if (require.main === module) void main();
