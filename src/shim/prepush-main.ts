// git's pre-push hook, run from src/shim/hooks/hook.bash: asks the guard about the refs git is
// really about to update. Ground truth: no parsing, so aliases, absolute paths and anything the
// analysis missed are caught here. Fails closed: any doubt exits 1 (git then refuses the push).
import { spawnSync } from 'child_process';
import { askBroker } from '../core/ipc/client';

const ZERO = /^0+$/;

function rewrites(remoteSha: string, localSha: string): boolean | null {
  if (ZERO.test(remoteSha) || ZERO.test(localSha)) return false;
  const r = spawnSync('git', ['merge-base', '--is-ancestor', remoteSha, localSha], { stdio: 'ignore' });
  if (r.status === 0) return false;
  if (r.status === 1) return true;
  return null; // the remote commit is not here: git cannot tell, so the broker treats it as a rewrite
}

async function main(): Promise<number> {
  const [remote = '', url = ''] = process.argv.slice(2);
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const refs = [];
  for (const line of input.split('\n')) {
    if (!line.trim()) continue;
    const [localRef, localSha, remoteRef, remoteSha] = line.split(' ');
    if (!localRef || !localSha || !remoteRef || !remoteSha) {
      process.stderr.write(`agentpolicy: deny: git push: unexpected pre-push input "${line}"\n`);
      return 1;
    }
    refs.push({ localRef, localSha, remoteRef, remoteSha, rewrites: rewrites(remoteSha, localSha) });
  }
  if (refs.length === 0) return 0; // nothing to update
  const answer = await askBroker(process.env.AGENTPOLICY_SOCKET, {
    v: 1,
    type: 'decide',
    source: 'pre-push',
    token: process.env.AGENTPOLICY_TOKEN,
    cwd: process.cwd(),
    push: { remote, url, refs },
  }, Number(process.env.AGENTPOLICY_WAIT ?? 130) * 1000);
  if (answer.decision === 'allow') return 0;
  process.stderr.write(answer.message + '\n');
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`agentpolicy: deny: git push: the pre-push check failed (${e}); denied to be safe.\n`);
    process.exit(1);
  },
);
