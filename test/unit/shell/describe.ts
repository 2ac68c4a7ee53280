import { UNKNOWN_TOKEN, type Action } from '../../../src/core/actions/types';

const W = '/home/dev/project';
const HOME = '/home/dev';

/** A path with the workspace written `W` and the home folder `~`. */
export function short(p: string): string {
  if (p === W || p.startsWith(W + '/')) return 'W' + p.slice(W.length);
  if (p === HOME || p.startsWith(HOME + '/')) return '~' + p.slice(HOME.length);
  return p;
}

/**
 * The descriptor an example names an action by: `read W/.env`, `write -r ~/x`, `delete -r -g W/*`,
 * `run git status`, `net host`, `env NAME`, `opaque reason`, `push origin +x:main force`.
 */
export function describeForExample(a: Action): string {
  switch (a.kind) {
    case 'file.read':
    case 'file.write':
    case 'file.delete':
      return `${a.kind.slice(5)}${a.recursive ? ' -r' : ''}${a.glob ? ' -g' : ''} ${short(a.path)}`;
    case 'command':
      return `run ${a.argv.map((t) => (t.startsWith(UNKNOWN_TOKEN) ? t.slice(1) : t)).join(' ')}`;
    case 'network':
      return `net ${a.host}`;
    case 'env.set':
      return `env ${a.name}`;
    case 'opaque':
      return `opaque ${a.reason}`;
    case 'git.push': {
      const refs = a.refs.map((r) => `${r.force ? '+' : ''}${r.delete ? '-' : ''}${r.src}:${r.dst ?? '?'}`).join(' ');
      return `push ${a.remote ?? '?'}${refs ? ' ' + refs : ''}${a.force ? ' force' : ''}${a.allBranches ? ' all' : ''}${a.unresolved ? ' unresolved' : ''}`;
    }
    case 'mcp':
      return `mcp ${a.server} ${a.tool}`;
  }
}
