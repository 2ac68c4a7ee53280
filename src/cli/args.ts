/** A small, strict argument parser: unknown flags are usage errors, never ignored. */
export class UsageError extends Error {}

export interface ArgSpec {
  /** Flags that take a value. */
  values?: string[];
  /** Flags without a value. */
  booleans?: string[];
}

export interface ParsedArgs {
  values: Map<string, string>;
  booleans: Set<string>;
  positionals: string[];
  /** Everything after `--`, if given. */
  rest?: string[];
}

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const values = new Map<string, string>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return { values, booleans, positionals, rest: argv.slice(i + 1) };
    if (a.startsWith('--') || (a.startsWith('-') && a.length === 2)) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (spec.values?.includes(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`${name} needs a value`);
        values.set(name, v);
      } else if (spec.booleans?.includes(name) && eq < 0) {
        booleans.add(name);
      } else {
        throw new UsageError(`unknown option ${name}`);
      }
      continue;
    }
    positionals.push(a);
  }
  return { values, booleans, positionals };
}
