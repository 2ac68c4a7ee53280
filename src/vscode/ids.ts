/** Command, view and setting ids, declared once; a test checks they match package.json. */
export const COMMANDS = {
  createPolicy: 'agentPolicy.createPolicy',
  openPolicy: 'agentPolicy.openPolicy',
  editUserPolicy: 'agentPolicy.editUserPolicy',
  explainCommand: 'agentPolicy.explainCommand',
  blockAllAgents: 'agentPolicy.blockAllAgents',
  rearm: 'agentPolicy.rearm',
  showAgents: 'agentPolicy.showAgents',
  showAuditLog: 'agentPolicy.showAuditLog',
  exportAuditLog: 'agentPolicy.exportAuditLog',
  showGrants: 'agentPolicy.showGrants',
  statusMenu: 'agentPolicy.statusMenu',
  relaunchTerminals: 'agentPolicy.relaunchTerminals',
  setHecToken: 'agentPolicy.setHecToken',
  shipAuditLog: 'agentPolicy.shipAuditLog',
  showLog: 'agentPolicy.showLog',
  showApprovals: 'agentPolicy.showApprovals',
  approvalAllowOnce: 'agentPolicy.approval.allowOnce',
  approvalAllowSession: 'agentPolicy.approval.allowSession',
  approvalDeny: 'agentPolicy.approval.deny',
  approvalExplain: 'agentPolicy.approval.explain',
  reviewPolicyChange: 'agentPolicy.reviewPolicyChange',
  newAgentTerminal: 'agentPolicy.newAgentTerminal',
  connectAgents: 'agentPolicy.connectAgents',
} as const;

export const VIEWS = {
  container: 'agentPolicy',
  approvals: 'agentPolicy.approvals',
  status: 'agentPolicy.status',
} as const;

export const TERMINAL_PROFILE = 'agentPolicy.agentTerminal';

export const SETTINGS = {
  orgPolicyPath: 'agentPolicy.orgPolicyPath',
  approvalTimeoutSeconds: 'agentPolicy.approvalTimeoutSeconds',
  closeTerminalsOnBlock: 'agentPolicy.killSwitch.closeTerminals',
  agentId: 'agentPolicy.terminalAgentId',
  copilotAgentId: 'agentPolicy.copilotAgentId',
  agentTerminalAgentId: 'agentPolicy.agentTerminal.agentId',
  agentTerminalSandbox: 'agentPolicy.agentTerminal.sandbox',
  auditSyslog: 'agentPolicy.audit.syslog',
  auditHecUrl: 'agentPolicy.audit.hecUrl',
  auditOtlpUrl: 'agentPolicy.audit.otlpUrl',
  auditCaFile: 'agentPolicy.audit.caFile',
} as const;

/** Context keys the package.json `when` clauses use. */
export const CONTEXT = {
  state: 'agentPolicy.state',
  hasRepoPolicy: 'agentPolicy.hasRepoPolicy',
  pendingApprovals: 'agentPolicy.pendingApprovals',
  unguardedTerminals: 'agentPolicy.unguardedTerminals',
  heldPolicyChanges: 'agentPolicy.heldPolicyChanges',
  shippingConfigured: 'agentPolicy.shippingConfigured',
  hasGrants: 'agentPolicy.hasGrants',
} as const;
