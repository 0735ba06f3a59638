/** How much of an unknown username a log line or audit event keeps. */
const SHOWN_CHARS = 2;

/**
 * A refused login's username as the logs and the audit log hold it: whole when it names a user; otherwise only its
 * first characters and its length, since people type their password (or a token) into the username field.
 */
export function shownUsername(username: string, known: boolean): string {
  if (known) return username;
  return `${username.slice(0, SHOWN_CHARS)}… (${username.length} characters)`;
}
