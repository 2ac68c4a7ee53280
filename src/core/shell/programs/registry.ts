/**
 * Every program model, by name. Built once at load: a name defined twice is an error (the later
 * one silently winning is how `bun -e` once slipped past a rule that stops `node -e`).
 */
import { ARCHIVES } from './archives';
import { BUILTINS } from './builtins';
import { FILE_TOOLS } from './files';
import { GIT } from './git';
import { GUARD_MODEL } from './guard';
import { INTERPRETERS, PYTHON } from './interpreters';
import { child, type ProgramModel } from './model';
import { NETWORK } from './network';
import { PACKAGES } from './packages';
import { PROCESSES } from './processes';
import { SHELLS } from './shells';
import { TEXT_TOOLS } from './text';
import { maybeFiles } from './util';
import { WRAPPERS } from './wrappers';

/** The families, in the order the docs list them. */
export const FAMILIES: Readonly<Record<string, readonly ProgramModel[]>> = {
  builtins: BUILTINS,
  wrappers: WRAPPERS,
  shells: SHELLS,
  interpreters: INTERPRETERS,
  files: FILE_TOOLS,
  archives: ARCHIVES,
  text: TEXT_TOOLS,
  network: NETWORK,
  packages: PACKAGES,
  git: GIT,
  processes: PROCESSES,
  guard: [GUARD_MODEL],
};

/** Builds the name index; throws on a name two models claim. */
export function buildRegistry(families: Readonly<Record<string, readonly ProgramModel[]>>): Map<string, ProgramModel> {
  const byName = new Map<string, ProgramModel>();
  const owner = new Map<string, string>();
  for (const [family, models] of Object.entries(families)) {
    for (const m of models) {
      for (const n of m.names) {
        if (byName.has(n)) throw new Error(`program model registry: "${n}" is defined twice (${owner.get(n)} and ${family}: ${m.summary})`);
        byName.set(n, m);
        owner.set(n, `${family}: ${byName.get(n)!.summary}`);
      }
    }
  }
  return byName;
}

const REGISTRY = buildRegistry(FAMILIES);

export function lookupModel(name: string): ProgramModel | undefined {
  return REGISTRY.get(name);
}

/** Every registered model, once. */
export function allModels(): ProgramModel[] {
  return [...new Set(REGISTRY.values())];
}

export { GUARD_MODEL };
export const INTERPRETER_MODEL = PYTHON;

/** A program run by its path (`./deploy.sh`): a script, which counts by provenance. */
export const SCRIPT_MODEL: ProgramModel = child({
  names: [],
  summary: 'a program run by path: a script whose content is not analysed; a rule may allow it only when it is tracked and unchanged',
  run(c) {
    c.script(c.word(c.program), 'running');
    maybeFiles(c, c.args);
  },
  examples: [
    { line: './deploy.sh', actions: ['opaque script'] },
    { line: './scripts/check.sh', absent: ['opaque script'], world: { files: { '/home/dev/project/scripts/check.sh': {} } } },
  ],
});

/** A program no model covers: every path-like argument is a possible read and write. */
export const UNKNOWN_MODEL: ProgramModel = child({
  names: [],
  summary: 'an unmodelled program: each path-like argument is a possible read (a secret) and a possible write (a protected file)',
  run(c) {
    maybeFiles(c, c.args);
  },
  examples: [
    { line: 'frobnicate .env', actions: ['read W/.env', 'write W/.env'] },
    { line: 'frobnicate --config=.agentpolicy.yaml', actions: ['write W/.agentpolicy.yaml'] },
  ],
});
