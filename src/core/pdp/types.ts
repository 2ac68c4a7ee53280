import type { Action, Effect, Risk } from '../actions/types';

import type { LayerName } from '../policy/layer';

export type { LayerName };

/** Who is asking, as far as the PDP needs: absent for a static check (`agentpolicy check` without --agent). */
export interface RequestSubject {
  kind: 'agent' | 'person' | 'unknown';
  id: string;
}

interface RequestBase {
  cwd: string;
  /** Agent id for agent-specific rules (`agents:` on a rule). */
  agent?: string;
  /** When set, identity is enforced: the person gets the person section; an unregistered, expired or unknown agent the unidentified treatment. */
  subject?: RequestSubject;
}

/** What a PEP asks the PDP. */
export type DecisionRequest =
  | (RequestBase & { kind: 'command'; commandLine: string })
  | (RequestBase & { kind: 'file.read' | 'file.write' | 'file.delete'; path: string })
  | (RequestBase & { kind: 'actions'; actions: Action[]; commandLine?: string });

/** Per-action verdict, kept so enforcement and audit never re-derive why. */
export interface ActionVerdict {
  action: Action;
  effect: Effect;
  /** Rule ids that produced `effect` (empty when a default decided). */
  ruleIds: string[];
  layer: LayerName;
  reason: string;
  /** The highest risk a deciding rule declared, if any. */
  risk?: Risk;
}

/** A decision is data: the effect and everything that explains it. */
export interface Decision {
  effect: Effect;
  risk: Risk;
  /** Rules that decided (those whose effect equals the final effect). */
  ruleIds: string[];
  /** Layer of the deciding rule or default. */
  layer: LayerName;
  /** Human sentences: why. */
  reasons: string[];
  actions: Action[];
  verdicts: ActionVerdict[];
  /** Rules that failed to evaluate (each made the decision deny). */
  errors: string[];
  /** Repo rules or defaults ignored because the repo is not trusted. */
  ignored: string[];
}
