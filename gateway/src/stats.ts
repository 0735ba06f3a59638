/** Counters the gateway reports in health(). */
export interface GatewayStats {
  messagesIn: number;
  messagesOut: number;
  authFailures: number;
  /** Logins refused unchecked while their username or IP backs off after repeated failures. */
  throttledLogins: number;
  refusedPublishes: number;
  refusedSubscriptions: number;
}

export function createStats(): GatewayStats {
  return { messagesIn: 0, messagesOut: 0, authFailures: 0, throttledLogins: 0, refusedPublishes: 0, refusedSubscriptions: 0 };
}
