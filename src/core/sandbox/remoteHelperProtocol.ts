/** Parsing of git's remote-helper protocol lines (gitremote-helpers(7)), kept pure for tests. */
export type HelperCommand =
  | { kind: 'capabilities' }
  | { kind: 'list'; forPush: boolean }
  | { kind: 'option'; name: string; value: string }
  | { kind: 'push'; spec: string }
  | { kind: 'fetch'; sha: string; name: string }
  | { kind: 'end' }
  | { kind: 'unknown'; line: string };

export function parseHelperCommand(line: string): HelperCommand {
  if (line === '') return { kind: 'end' };
  if (line === 'capabilities') return { kind: 'capabilities' };
  if (line === 'list' || line === 'list for-push') return { kind: 'list', forPush: line !== 'list' };
  let m = /^option (\S+)(?: (.*))?$/.exec(line);
  if (m) return { kind: 'option', name: m[1], value: m[2] ?? '' };
  m = /^push (.+)$/.exec(line);
  if (m) return { kind: 'push', spec: m[1] };
  m = /^fetch ([0-9a-f]{40,64}) (.+)$/.exec(line);
  if (m) return { kind: 'fetch', sha: m[1], name: m[2] };
  return { kind: 'unknown', line };
}

/**
 * `[+]<src>:<dst>` as git sends it to a helper with the push capability: src is a local ref
 * name or an object id, empty for a deletion; dst is the remote's full ref name.
 */
export function parsePushSpec(spec: string): { src: string; dst: string; force: boolean } | undefined {
  const force = spec.startsWith('+');
  const body = force ? spec.slice(1) : spec;
  const colon = body.lastIndexOf(':');
  if (colon < 0) return undefined;
  const src = body.slice(0, colon);
  const dst = body.slice(colon + 1);
  if (!/^refs\/\S+$/.test(dst)) return undefined;
  if (src.startsWith('-')) return undefined;
  return { src, dst, force };
}
