import type { AnomalyItem, AreaCollection, DeviceItem, User } from './types.ts';

/** An error answered by the server (`{"error": {"code", "message"}}`) or a failed request. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let sessionEnded: () => void = () => undefined;

/** Called when a request is refused for want of a session (401), so the app can go back to its login form. */
export function onSessionEnded(listener: () => void): void {
  sessionEnded = listener;
}

/** One JSON request to the API with the session cookie; an answer outside 2xx throws its ApiError. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : String(cause));
  }
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith('/api/auth/')) sessionEnded();
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? response.statusText);
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function login(username: string, password: string): Promise<unknown> {
  return request('POST', '/api/auth/login', { username, password });
}

export function logout(): Promise<unknown> {
  return request('POST', '/api/auth/logout', {});
}

/** The signed-in user, or null when there is no valid session. */
export async function currentUser(): Promise<User | null> {
  try {
    return (await request<{ user: User }>('GET', '/api/auth/me')).user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function fetchAreas(): Promise<AreaCollection> {
  return request('GET', '/api/areas');
}

/** Every device as the map draws it (`view=map`: no attributes, registry times or alarms, which the wall does not show). */
export async function fetchDevices(): Promise<DeviceItem[]> {
  return (await request<{ items: DeviceItem[] }>('GET', '/api/devices?view=map')).items;
}

/** The alarms still raised, newest first. */
export async function fetchActiveAnomalies(): Promise<AnomalyItem[]> {
  return (await request<{ items: AnomalyItem[] }>('GET', '/api/anomalies?active=true&limit=1000')).items;
}
