/** Command and setting ids, declared once; a test checks they match package.json. */
export const COMMANDS = {
  createPolicy: 'agentPolicy.createPolicy',
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
} as const;

export const SETTINGS = {
  orgPolicyPath: 'agentPolicy.orgPolicyPath',
  approvalTimeoutSeconds: 'agentPolicy.approvalTimeoutSeconds',
  closeTerminalsOnBlock: 'agentPolicy.killSwitch.closeTerminals',
  agentId: 'agentPolicy.terminalAgentId',
  auditSyslog: 'agentPolicy.audit.syslog',
  auditHecUrl: 'agentPolicy.audit.hecUrl',
  auditOtlpUrl: 'agentPolicy.audit.otlpUrl',
  auditCaFile: 'agentPolicy.audit.caFile',
} as const;
