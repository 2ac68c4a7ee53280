import { selectedAgents } from './agents';
import { hasInstallHooks, hookGuard, installHooksDaemonGuard } from './guards';
import { defineScenarioSuite } from './scenarios';

/**
 * Issue #8 with the real CLIs: each agent runs with its own permission system off, and only the
 * hook stands between it and the workspace. The hook is the one `agentpolicy install-hooks`
 * installs; on a build without install-hooks, Claude Code gets `agentpolicy hook claude` wired by
 * hand and the other agents' scenarios are pending, with a line saying so.
 * For #9 and #10, add a Guard (prefix: ['node', cli, 'run', '--']) and call defineScenarioSuite again.
 */
defineScenarioSuite('the recommended policy at the tool boundary', hookGuard(), selectedAgents());
// The fast path: the same scenarios answered by the per-user daemon instead of a process per call.
if (hasInstallHooks()) defineScenarioSuite('the recommended policy at the tool boundary', installHooksDaemonGuard, selectedAgents());
