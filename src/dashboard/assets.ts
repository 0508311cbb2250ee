/**
 * The dashboard's browser assets: web/dashboard/main.ts (and the CSS it imports, uPlot's
 * included) bundled by esbuild into app.js and app.css. `npm run build` (so `npm install`)
 * writes them to dist/dashboard/, which the compiled hub serves; a hub run from the
 * sources (tsx, mocha) bundles them in memory at the first request instead, so the page
 * never lags its sources. No CDN: everything comes from node_modules.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Asset { type: string; body: Buffer }
export type Assets = Record<'app.js' | 'app.css' | 'index.html', Asset>;

/** The repository root, from src/dashboard/ (sources) or dist/ (compiled). */
const ROOT = [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..')].find((r) => {
  try {
    return (JSON.parse(fs.readFileSync(path.join(r, 'package.json'), 'utf8')) as { name?: string }).name === 'intertrade';
  } catch {
    return false;
  }
}) ?? process.cwd();
const WEB = path.join(ROOT, 'web', 'dashboard');
const BUILT = path.join(ROOT, 'dist', 'dashboard');

const TYPES: Record<keyof Assets, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'index.html': 'text/html; charset=utf-8',
};

/** Bundles the page from web/dashboard into `outdir` (the build), or in memory (no outdir). */
export async function bundleDashboard(outdir?: string): Promise<Assets> {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: path.join(WEB, 'main.ts') },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'linked',
    tsconfig: path.join(ROOT, 'web', 'tsconfig.json'),
    outdir: outdir ?? BUILT,
    write: false,
    logLevel: 'warning',
  });
  const by = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(`app.${ext}`));
  const js = by('js');
  const css = by('css');
  if (!js || !css) throw new Error('the dashboard bundle lacks app.js or app.css');
  const assets: Assets = {
    'app.js': { type: TYPES['app.js'], body: Buffer.from(js.contents) },
    'app.css': { type: TYPES['app.css'], body: Buffer.from(css.contents) },
    'index.html': { type: TYPES['index.html'], body: fs.readFileSync(path.join(WEB, 'index.html')) },
  };
  if (outdir) {
    fs.mkdirSync(outdir, { recursive: true });
    for (const [name, a] of Object.entries(assets)) fs.writeFileSync(path.join(outdir, name), a.body);
    for (const f of result.outputFiles) if (f.path.endsWith('.LEGAL.txt')) fs.writeFileSync(path.join(outdir, path.basename(f.path)), f.contents);
  }
  return assets;
}

/** The built assets when they are as new as their sources, else a fresh bundle (once per process). */
export function dashboardAssets(): () => Promise<Assets> {
  let loading: Promise<Assets> | null = null;
  const newest = (dir: string): number => fs.readdirSync(dir, { withFileTypes: true })
    .reduce((t, e) => Math.max(t, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0);
  const built = (): Assets | null => {
    try {
      const js = fs.statSync(path.join(BUILT, 'app.js')).mtimeMs;
      if (fs.existsSync(WEB) && newest(WEB) > js) return null;
      const read = (name: keyof Assets) => ({ type: TYPES[name], body: fs.readFileSync(path.join(BUILT, name)) });
      return { 'app.js': read('app.js'), 'app.css': read('app.css'), 'index.html': read('index.html') };
    } catch {
      return null;
    }
  };
  return () => {
    loading ??= Promise.resolve(built() ?? bundleDashboard()).catch((err: unknown) => {
      loading = null;
      throw err;
    });
    return loading;
  };
}
