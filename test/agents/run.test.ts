import { selectedAgents } from './agents';
import { runGuard } from './guards';
import { defineScenarioSuite } from './scenarios';

/**
 * Issues #9 and #10 with the real CLIs: each agent started through `agentpolicy run` (the
 * recommended policy, no hooks, nobody to approve), so it is attributed at launch and by its
 * process tree, judged by the trap with its own shell plumbing recognised, and held by the
 * sandbox. The same effect checks as the hook suites.
 */
defineScenarioSuite('identity and the sandbox, no hooks', runGuard, selectedAgents());
