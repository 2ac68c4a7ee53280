/**
 * Suites that need a system package call `requireSystem(this, 'rsyslog')` in their `before`
 * hook: when it is missing (and `npm test`'s provisioning step, scripts/provision.cjs, could not
 * install it) the whole suite is skipped with one line naming the install command — never a
 * failure because a daemon is absent. The list of packages is scripts/system-packages.json.
 */
import * as path from 'path';

interface Provisioner {
  missing(name: string, env?: NodeJS.ProcessEnv): string[];
  skipLine(name: string, env?: NodeJS.ProcessEnv): string;
  which(name: string, env?: NodeJS.ProcessEnv): string | undefined;
}

// out/test/support/system.js → the repository root is three folders up (the script is not compiled).
const ROOT = path.resolve(__dirname, '..', '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const provisioner: Provisioner = require(path.join(ROOT, 'scripts', 'provision.cjs'));

export type SystemRequirement = 'git' | 'zsh' | 'rsyslog' | 'bubblewrap' | 'util-linux' | 'perl';

/** Skips the calling suite (or test) unless every requirement is installed. */
export function requireSystem(ctx: Mocha.Context, ...names: SystemRequirement[]): void {
  const absent = names.filter((n) => provisioner.missing(n).length > 0);
  if (!absent.length) return;
  for (const n of absent) console.log(`      ${provisioner.skipLine(n)}`);
  ctx.skip();
}

/** The absolute path of a system program, as the provisioner finds it (also in /usr/sbin). */
export function systemProgram(name: string): string | undefined {
  return provisioner.which(name);
}
