import type { Word } from './words';

/** How a program parses its options (getopt_long style). */
export interface OptionSpec {
  /** Options that take a value: `-o VAL`, `-oVAL`, `--out VAL`, `--out=VAL`. */
  values?: string[];
  /** Options whose value may only be glued (`-iSUF`, `--replace=R`). */
  optionalValues?: string[];
  /** Options that take several values (`jq --arg name value`). */
  valueCounts?: Record<string, number>;
  /** Long flags without a value, so abbreviations (`--recur`) expand. */
  flagsLong?: string[];
  /** Short letters known to be plain flags (documentation for readers; bundles split either way). */
  noValueShort?: string;
  /** Options end at the first operand (wrappers: the rest is a command). */
  stopAtFirstOperand?: boolean;
  /**
   * Every flag the program has (short `-x` and long `--xx`), besides `values`/`optionalValues`.
   * When given, options outside the spec are reported in `unknown`: a wrapper cannot tell where
   * its command starts after one.
   */
  flags?: string[];
}

export interface ParsedOptions {
  /** Flags, normalised: bundles split (`-rf` → `-r`, `-f`), long abbreviations expanded. */
  flags: string[];
  operands: Word[];
  /** Options the spec does not know (only when the spec lists its `flags`). */
  unknown: string[];
  has(opt: string): boolean;
  /** First value given for `opt`; `dflt` when the option appears without one. */
  value(opt: string, dflt?: string): Word | undefined;
  /** All values given for `opt` (for multi-value options, the `index`th of each). */
  values(opt: string, index?: number): Word[];
}

/** Expands an unambiguous long-option prefix the way getopt_long does. */
export function expandLong(opt: string, known: string[]): string[] {
  if (known.includes(opt)) return [opt];
  const hits = known.filter((k) => k.startsWith(opt));
  return hits.length ? hits : [opt];
}

/** Parses words with a getopt_long-like spec. */
export function parseOptions(words: readonly Word[], spec: OptionSpec): ParsedOptions {
  const values = spec.values ?? [];
  const optional = spec.optionalValues ?? [];
  const longKnown = [...values, ...optional, ...(spec.flagsLong ?? []), ...(spec.flags ?? [])].filter((o) => o.startsWith('--'));
  const known = spec.flags ? new Set([...values, ...optional, ...(spec.flagsLong ?? []), ...spec.flags]) : undefined;
  const unknown: string[] = [];
  const flags: string[] = [];
  const operands: Word[] = [];
  const given = new Map<string, Word[][]>();
  const add = (opt: string, vals: Word[]) => {
    if (known && !known.has(opt)) unknown.push(opt);
    flags.push(opt);
    const list = given.get(opt) ?? [];
    list.push(vals);
    given.set(opt, list);
  };
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i];
    const t = w.text;
    if (t === '--') {
      i++;
      break;
    }
    if (t.startsWith('--') && t.length > 2) {
      const eq = t.indexOf('=');
      const name = eq > 0 ? t.slice(0, eq) : t;
      // An ambiguous prefix matches several options: count it as each (fail towards the stricter reading).
      const names = expandLong(name, longKnown);
      for (const n of names) {
        const count = spec.valueCounts?.[n] ?? 1;
        if (eq > 0) add(n, [{ ...w, text: t.slice(eq + 1) }]);
        else if (values.includes(n) && !optional.includes(n)) {
          add(n, words.slice(i + 1, i + 1 + count));
        } else add(n, []);
      }
      const n0 = names[0];
      if (eq < 0 && values.includes(n0) && !optional.includes(n0)) i += spec.valueCounts?.[n0] ?? 1;
      continue;
    }
    if (t.startsWith('-') && t.length > 1) {
      // A bundle of short options; the first that takes a value takes the rest of the word (or the next word).
      let j = 1;
      for (; j < t.length; j++) {
        const o = '-' + t[j];
        if (values.includes(o) || optional.includes(o)) {
          const glued = t.slice(j + 1);
          if (glued) add(o, [{ ...w, text: glued }]);
          else if (optional.includes(o)) add(o, []);
          else {
            const count = spec.valueCounts?.[o] ?? 1;
            add(o, words.slice(i + 1, i + 1 + count));
            i += count;
          }
          break;
        }
        add(o, []);
      }
      continue;
    }
    operands.push(w);
    if (spec.stopAtFirstOperand) {
      i++;
      break;
    }
  }
  operands.push(...words.slice(i));
  return {
    flags,
    operands,
    unknown,
    has: (opt) => given.has(opt),
    value: (opt, dflt) => {
      const v = given.get(opt);
      if (!v) return undefined;
      const first = v[0][0];
      if (first) return first;
      return dflt === undefined ? undefined : { text: dflt, exact: true, glob: false, taints: new Set(), source: dflt };
    },
    values: (opt, index = 0) => (given.get(opt) ?? []).map((v) => v[index]).filter((x): x is Word => !!x),
  };
}
