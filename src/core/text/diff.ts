/**
 * A line diff for showing a person what a change does (policy files are small). Pure.
 * Longest common subsequence over lines; output in unified style with a little context.
 */

export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** The edit script from `a` to `b`, line by line. */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a.split('\n');
  const y = b.split('\n');
  // Trim the common head and tail so the quadratic part is only what changed.
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const n = xs.length;
  const m = ys.length;
  if (n * m > 4_000_000) {
    // Too big to align: show it as replaced.
    return [...x.slice(0, head).map((t) => ({ op: ' ' as const, text: t })), ...xs.map((t) => ({ op: '-' as const, text: t })), ...ys.map((t) => ({ op: '+' as const, text: t })), ...x.slice(x.length - tail).map((t) => ({ op: ' ' as const, text: t }))];
  }
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = xs[i] === ys[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = x.slice(0, head).map((t) => ({ op: ' ', text: t }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && xs[i] === ys[j]) {
      out.push({ op: ' ', text: xs[i++] });
      j++;
    } else if (j < m && (i === n || lcs[i][j + 1] > lcs[i + 1][j])) out.push({ op: '+', text: ys[j++] });
    else out.push({ op: '-', text: xs[i++] });
  }
  for (const t of x.slice(x.length - tail)) out.push({ op: ' ', text: t });
  return out;
}

/** Changed lines with `context` lines around them, `@@` between hunks, at most `maxLines`. */
export function unifiedDiff(a: string, b: string, context = 2, maxLines = 40): string[] {
  const d = diffLines(a, b);
  const keep = new Array<boolean>(d.length).fill(false);
  d.forEach((l, k) => {
    if (l.op === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(d.length - 1, k + context); c++) keep[c] = true;
  });
  const out: string[] = [];
  let gap = false;
  for (let k = 0; k < d.length; k++) {
    if (!keep[k]) {
      gap = out.length > 0;
      continue;
    }
    if (gap) out.push('@@');
    gap = false;
    out.push(`${d[k].op}${d[k].text}`);
  }
  if (out.length > maxLines) return [...out.slice(0, maxLines), `… ${out.length - maxLines} more line(s): see the diff editor`];
  return out;
}

/** `+3 -1 lines`, for titles. */
export function diffStat(a: string, b: string): string {
  const d = diffLines(a, b);
  return `+${d.filter((l) => l.op === '+').length} -${d.filter((l) => l.op === '-').length} lines`;
}
