import { MemoryFileFacts, type World } from '../../../src/core/shell/facts/memory';

/**
 * The world the spec corpus (../shared/spec/recommended-policy.md) assumes: W = /home/dev/project,
 * whose files are the project's own, committed and unchanged (so `npm test` and `node dist/x.js`
 * run reviewed code), with no secret files inside W, and the usual secrets in the home folder.
 * Lines that name a secret (`cat .env`) are judged by the path they name, whether it exists or not.
 */
export const SPEC_WORLD: World = {
  unlisted: 'tracked-unchanged',
  files: {
    '/home/dev/.ssh/id_rsa': { secret: true, provenance: 'untracked' },
    '/home/dev/.ssh/id_ed25519': { secret: true, provenance: 'untracked' },
    '/home/dev/.ssh/known_hosts': { secret: true, provenance: 'untracked' },
    '/home/dev/.aws/credentials': { secret: true, provenance: 'untracked' },
  },
};

export const specFacts = (): MemoryFileFacts => new MemoryFileFacts(SPEC_WORLD);

/** Named worlds the fixture cases in test/fixtures/shell/*.jsonl refer to. */
export const WORLDS: Record<string, World> = {
  spec: SPEC_WORLD,
  /** A project with secrets inside it: .env at the root, a key under certs/, config/.env.production ignored by git. */
  secrets: {
    unlisted: 'tracked-unchanged',
    files: {
      ...SPEC_WORLD.files,
      '/home/dev/project/.env': { secret: true, provenance: 'untracked', ignored: true },
      '/home/dev/project/.env.example': { provenance: 'tracked-unchanged' },
      '/home/dev/project/certs/server.pem': { secret: true, provenance: 'untracked' },
      '/home/dev/project/config/.env.production': { secret: true, provenance: 'untracked', ignored: true },
      '/home/dev/project/src/index.ts': {},
    },
    secretVariables: { API_KEY: '/home/dev/project/.env', DATABASE_URL: '/home/dev/project/.env' },
  },
  /** Scripts the agent wrote or changed: untracked ones, modified ones, and a link to a secret. */
  changed: {
    unlisted: 'tracked-unchanged',
    files: {
      ...SPEC_WORLD.files,
      '/home/dev/project/build.js': { provenance: 'untracked' },
      '/home/dev/project/scripts/gen.mjs': { provenance: 'modified' },
      '/home/dev/project/package.json': { provenance: 'modified' },
      '/home/dev/project/Makefile': { provenance: 'untracked' },
      '/home/dev/project/deploy.sh': { provenance: 'untracked' },
      '/home/dev/project/notes.txt': { link: '/home/dev/project/.env' },
      '/home/dev/project/docs/key': { link: '../certs/server.pem' },
      '/home/dev/project/policy-link': { link: '.agentpolicy.yaml' },
      '/home/dev/project/cfg': { link: '/home/dev/.ssh' },
      '/home/dev/project/.env': { secret: true, provenance: 'untracked', ignored: true },
      '/home/dev/project/certs/server.pem': { secret: true, provenance: 'untracked' },
    },
  },
  /** The guard's own repository: its dist/cli.js is the guard's CLI. */
  guardRepo: {
    unlisted: 'tracked-unchanged',
    files: {
      ...SPEC_WORLD.files,
      '/home/dev/project/dist/cli.js': { guard: true, provenance: 'untracked' },
    },
  },
  /** No facts at all: every provenance and folder content is unknown. */
  unknown: { unlisted: 'unknown', unlistable: ['/'] },
};
