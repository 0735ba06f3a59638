import type { Client } from 'aedes';
import { SERVICE_USER_PREFIX, accountUsername, type DeviceKind } from '@ioc/core';

/** Who is behind an authenticated MQTT connection. */
export type Identity =
  | { type: 'device'; deviceId: string; kind: DeviceKind }
  | { type: 'service'; name: string }
  | { type: 'integration'; name: string; topicRoot: string }
  | { type: 'admin'; name: string };

const IDENTITY = Symbol('ioc.identity');
const STAMP = Symbol('ioc.credentialStamp');
const REMOTE = Symbol('ioc.remoteAddress');
const TOKEN_HASH = Symbol('ioc.tokenHash');

/** The aedes client with the fields the gateway keeps on it. */
type GatewayClient = Client & { [IDENTITY]?: Identity; [STAMP]?: number; [REMOTE]?: string; [TOKEN_HASH]?: string };

export function setIdentity(client: Client, identity: Identity): void {
  (client as GatewayClient)[IDENTITY] = identity;
}

/** The credentials.ts stamp of a token login, to recognise a login overtaken by a revocation. */
export function setCredentialStamp(client: Client, stamp: number): void {
  (client as GatewayClient)[STAMP] = stamp;
}

export function credentialStampOf(client: Client): number | undefined {
  return (client as GatewayClient)[STAMP];
}

/** The stored hash of the token a device or account logged in with, so a later check sees a rotation (recheck.ts). */
export function setTokenHash(client: Client, tokenHash: string): void {
  (client as GatewayClient)[TOKEN_HASH] = tokenHash;
}

export function tokenHashOf(client: Client): string | undefined {
  return (client as GatewayClient)[TOKEN_HASH];
}

/** The identity set at authentication; undefined before (or without) a successful login. */
export function identityOf(client: Client | null): Identity | undefined {
  return client ? (client as GatewayClient)[IDENTITY] : undefined;
}

export function describeIdentity(identity: Identity | undefined): string {
  if (!identity) return 'an unauthenticated client';
  return identity.type === 'device' ? `device "${identity.deviceId}"` : `${identity.type} "${identity.name}"`;
}

/** The MQTT username the identity logs in with (a device id, `svc:<name>`, `int:<name>`, `admin:<name>`). */
export function usernameOf(identity: Identity): string {
  switch (identity.type) {
    case 'device':
      return identity.deviceId;
    case 'service':
      return SERVICE_USER_PREFIX + identity.name;
    default:
      return accountUsername({ role: identity.type, name: identity.name });
  }
}

/** Remembered when the socket is accepted: a destroyed socket no longer knows its peer. */
export function setRemoteAddress(client: Client, address: string): void {
  (client as GatewayClient)[REMOTE] = address;
}

export function remoteAddressOf(client: Client): string {
  return (client as GatewayClient)[REMOTE] ?? 'unknown';
}
