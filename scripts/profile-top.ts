/**
 * The top of a V8 CPU profile (node --cpu-prof): self time by function, and by package
 * or source folder, so a profile can be read and quoted without a browser.
 *
 *   npx tsx scripts/profile-top.ts <file.cpuprofile> [N]
 */
import fs from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const [file, n = '25'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx scripts/profile-top.ts <file.cpuprofile> [N]\n');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((x) => [x.id, x]));
// Time per sample: the delta to the next one.
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

/** Where a frame's code lives: a package, a folder of this repository, or node itself. */
const place = (url: string): string => {
  if (!url) return '(native / V8)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const r = /\/(src|protocols|dist|packages)\/(.*)$/.exec(url);
  return r ? `${r[1]}/${r[2].split('/').slice(0, -1).join('/') || r[2]}` : url;
};
const functions = new Map<string, number>();
const places = new Map<string, number>();
for (const [id, us] of self) {
  const f = byId.get(id)!.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${place(f.url)}:${f.lineNumber + 1}`;
  functions.set(name, (functions.get(name) ?? 0) + us);
  places.set(place(f.url), (places.get(place(f.url)) ?? 0) + us);
}
const top = (m: Map<string, number>, k: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n\nby place (self time)\n`);
for (const [k, us] of top(places, 15)) process.stdout.write(`  ${pct(us)}  ${k}\n`);
process.stdout.write('\nby function (self time)\n');
for (const [k, us] of top(functions, Number(n))) process.stdout.write(`  ${pct(us)}  ${k}\n`);
