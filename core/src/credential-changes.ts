import { TOPIC_ROOT } from './topics.ts';

/**
 * Credential changes travel over the MQTT bus so that every gateway process (and every cluster node) drops its
 * cached credentials at once and closes the connections that no longer have a right to be open, whichever
 * process (dashboard, CLI) made the change. Only services may publish here.
 */
export const CREDENTIALS_TOPIC = `${TOPIC_ROOT}/control/credentials`;

export type CredentialChangeKind = 'rotated' | 'revoked' | 'disabled' | 'enabled' | 'updated' | 'deleted';

/** Changes after which an open connection of that username must be closed. */
export const DISCONNECTING_CHANGES: ReadonlySet<CredentialChangeKind> = new Set(['rotated', 'revoked', 'disabled', 'deleted']);

export interface CredentialChange {
  /** The MQTT username whose credentials changed: a device id or an account username (`int:frigate`). */
  username: string;
  change: CredentialChangeKind;
  ts: number;
}

const KINDS: readonly CredentialChangeKind[] = ['rotated', 'revoked', 'disabled', 'enabled', 'updated', 'deleted'];

export function parseCredentialChange(payload: Buffer | string): CredentialChange | undefined {
  try {
    const value = JSON.parse(payload.toString()) as Partial<CredentialChange>;
    if (typeof value.username !== 'string' || !value.username || !KINDS.includes(value.change as CredentialChangeKind)) return undefined;
    return { username: value.username, change: value.change as CredentialChangeKind, ts: typeof value.ts === 'number' ? value.ts : 0 };
  } catch {
    return undefined;
  }
}
