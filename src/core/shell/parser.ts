import * as fs from 'fs';
import * as path from 'path';
import { Language, Parser, type Tree } from '@vscode/tree-sitter-wasm';

export type { Node as SyntaxNode, Tree } from '@vscode/tree-sitter-wasm';

let parser: Parser | undefined;
let loading: Promise<Parser> | undefined;

/** Folders that may hold the wasm files: next to the bundle (dist/), else the package itself. */
function wasmDirs(explicit?: string): string[] {
  const dirs = explicit ? [explicit] : [];
  dirs.push(__dirname);
  try {
    dirs.push(path.dirname(require.resolve('@vscode/tree-sitter-wasm')));
  } catch {
    // bundled without node_modules: the copies in dist/ are the only ones
  }
  return dirs;
}

/**
 * Loads the bash grammar VS Code ships (tree-sitter-bash.wasm). Call once before `parseBash`;
 * later calls return the same parser.
 */
export function initShellParser(wasmDir?: string): Promise<Parser> {
  if (parser) return Promise.resolve(parser);
  loading ??= (async () => {
    const dir = wasmDirs(wasmDir).find((d) => fs.existsSync(path.join(d, 'tree-sitter-bash.wasm')));
    if (!dir) throw new Error('tree-sitter-bash.wasm not found next to the bundle or in @vscode/tree-sitter-wasm');
    await Parser.init({ locateFile: (file: string) => path.join(dir, file) });
    const bash = await Language.load(path.join(dir, 'tree-sitter-bash.wasm'));
    const p = new Parser();
    p.setLanguage(bash);
    parser = p;
    return p;
  })();
  return loading;
}

/** Parses bash synchronously; `initShellParser` must have resolved first. */
export function parseBash(text: string): Tree {
  if (!parser) throw new Error('shell parser not initialised: await initShellParser() first');
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}
