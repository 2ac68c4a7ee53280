/**
 * The `apply_patch` envelope Codex (and Copilot with OpenAI models) edit files with:
 *
 *   *** Begin Patch
 *   *** Add File: <path>        then + lines
 *   *** Update File: <path>     optionally followed by *** Move to: <new path>, then hunks
 *   *** Delete File: <path>
 *   *** End Patch
 *
 * Each file touched becomes one action; a move is a delete of the source and a write of the
 * destination. A patch we cannot read is opaque (never allowed), not an empty list.
 */
import type { Action } from '../actions/types';
import { fileAction } from './toolActions';

export interface PatchFile {
  op: 'add' | 'update' | 'delete';
  path: string;
  /** Update with `*** Move to:` (or `*** Move File: a -> b`). */
  moveTo?: string;
}

export type PatchParse = { ok: true; files: PatchFile[] } | { ok: false; error: string };

const HEADER = /^\*\*\* (Add|Update|Delete) File: (.+)$/;
const MOVE_TO = /^\*\*\* Move to: (.+)$/;
const MOVE_FILE = /^\*\*\* Move File: (.+?) -> (.+)$/;

export function parseApplyPatch(text: string): PatchParse {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  // Codex also accepts the envelope inside a heredoc-style wrapper; the markers are what count.
  if (lines[i]?.trim() !== '*** Begin Patch') return { ok: false, error: 'no "*** Begin Patch" line' };
  i++;
  const files: PatchFile[] = [];
  let ended = false;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '*** End Patch') {
      ended = true;
      break;
    }
    const h = HEADER.exec(line);
    if (h) {
      const p = h[2].trim();
      if (!p) return { ok: false, error: `empty path on line ${i + 1}` };
      files.push({ op: h[1].toLowerCase() as PatchFile['op'], path: p });
      continue;
    }
    const mv = MOVE_TO.exec(line);
    if (mv) {
      const last = files[files.length - 1];
      if (!last || last.op !== 'update') return { ok: false, error: `"*** Move to:" without an "*** Update File:" on line ${i + 1}` };
      last.moveTo = mv[1].trim();
      continue;
    }
    const mf = MOVE_FILE.exec(line);
    if (mf) {
      files.push({ op: 'update', path: mf[1].trim(), moveTo: mf[2].trim() });
      continue;
    }
    if (line.startsWith('*** ') && line.trim() !== '*** End of File') return { ok: false, error: `unknown patch line ${i + 1}: ${line.slice(0, 80)}` };
  }
  if (!ended) return { ok: false, error: 'no "*** End Patch" line' };
  if (files.length === 0) return { ok: false, error: 'the patch touches no file' };
  return { ok: true, files };
}

/** One action per file the patch touches, paths resolved against the tool's cwd. */
export function applyPatchActions(text: string, cwd: string, home: string, tool = 'apply_patch'): Action[] {
  const parsed = parseApplyPatch(text);
  if (!parsed.ok) return [{ kind: 'opaque', reason: 'parse-error', detail: `${tool}: ${parsed.error}`, command: -1 }];
  const actions: Action[] = [];
  for (const f of parsed.files) {
    if (f.op === 'delete') actions.push(fileAction('file.delete', f.path, cwd, home, tool));
    else if (f.moveTo !== undefined) {
      actions.push(fileAction('file.delete', f.path, cwd, home, `${tool} (move)`));
      actions.push(fileAction('file.write', f.moveTo, cwd, home, `${tool} (move)`));
    } else actions.push(fileAction('file.write', f.path, cwd, home, tool));
  }
  return actions;
}
