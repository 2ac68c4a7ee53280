import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'util';

/** A usage mistake: the CLI prints it with the command's help and exits with USAGE_EXIT. */
export class UsageError extends Error {}

/** The one exit status for a usage mistake, across every command (check's contract: 2). */
export const USAGE_EXIT = 2;

export interface ArgSpec {
  /** Flags that take a value (`--policy F` or `--policy=F`). */
  values?: string[];
  /** Flags that take a value and may be given more than once. */
  multiple?: string[];
  /** Flags without a value. */
  booleans?: string[];
}

export interface ParsedArgs {
  values: Map<string, string>;
  /** Every value of a repeatable flag, in order. */
  lists: Map<string, string[]>;
  booleans: Set<string>;
  positionals: string[];
  /** Everything after `--`, if given. */
  rest?: string[];
}

/**
 * The CLI's only argument parser: node's util.parseArgs in strict mode, so an unknown or
 * malformed option is a usage error, never ignored. Flags are named as typed (`--policy`).
 */
export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  const key = (flag: string) => flag.replace(/^--?/, '');
  for (const f of spec.values ?? []) options[key(f)] = { type: 'string' };
  for (const f of spec.multiple ?? []) options[key(f)] = { type: 'string', multiple: true };
  for (const f of spec.booleans ?? []) options[key(f)] = { type: 'boolean' };
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    throw new UsageError(usageMessage(e as Error & { code?: string }));
  }
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const booleans = new Set<string>();
  const flagOf = new Map<string, string>([...(spec.values ?? []), ...(spec.multiple ?? []), ...(spec.booleans ?? [])].map((f) => [key(f), f]));
  for (const [k, v] of Object.entries(parsed.values)) {
    const flag = flagOf.get(k) ?? `--${k}`;
    if (Array.isArray(v)) lists.set(flag, v.map(String));
    else if (typeof v === 'string') values.set(flag, v);
    else if (v === true) booleans.add(flag);
  }
  const terminator = parsed.tokens?.find((t) => t.kind === 'option-terminator');
  if (!terminator) return { values, lists, booleans, positionals: parsed.positionals };
  const rest = argv.slice(terminator.index + 1);
  return { values, lists, booleans, positionals: parsed.positionals.slice(0, parsed.positionals.length - rest.length), rest };
}

function usageMessage(e: Error & { code?: string }): string {
  const m = /'(-{1,2}[^',\s]+)/.exec(e.message);
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${m?.[1] ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(e.message) ? `${m?.[1] ?? 'an option'} needs a value` : `${m?.[1] ?? 'an option'} does not take a value`;
    default:
      return e.message.split('\n')[0];
  }
}
