import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..', 'src', 'core', 'shell');

/** Every `import … from './x'` and `export … from './x'` (type-only ones too) of a file, as absolute paths. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gms)) {
    const base = path.resolve(path.dirname(file), m[1]);
    for (const cand of [base + '.ts', path.join(base, 'index.ts')]) if (fs.existsSync(cand)) out.push(cand);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Cycles in a module graph, each as `a → b → a`. */
function findCycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, trail: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(f)), f].map((x) => path.relative(ROOT, x)).join(' → '));
      return;
    }
    state.set(f, 'open');
    for (const g of graph.get(f) ?? []) if (graph.has(g)) visit(g, [...trail, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  return cycles;
}

describe('core/shell has no import circle', () => {
  it('the detector finds a circle when there is one', () => {
    const a = path.join(ROOT, 'a.ts');
    const b = path.join(ROOT, 'b.ts');
    assert.deepStrictEqual(findCycles(new Map([[a, [b]], [b, [a]]])), ['a.ts → b.ts → a.ts']);
  });

  it('the module graph (type imports included) is acyclic', () => {
    const files = tsFiles(ROOT);
    assert.ok(files.length > 20, `found ${files.length} files under ${ROOT}`);
    assert.deepStrictEqual(findCycles(new Map(files.map((f) => [f, importsOf(f)]))), []);
  });

  it('program models never import the walker or the runner', () => {
    const offenders = tsFiles(path.join(ROOT, 'programs')).filter((f) => importsOf(f).some((g) => /\/shell\/(analyze|run)\.ts$/.test(g)));
    assert.deepStrictEqual(offenders.map((f) => path.relative(ROOT, f)), []);
  });
});
