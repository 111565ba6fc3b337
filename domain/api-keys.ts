/**
 * Whether a stored API key still proves anyone: pure, the caller passes `now`. Shared by the
 * authenticator (401 with the reason) and the admin listing (each key's status).
 */

/** What decides a key's status: when it was revoked, and when it expires (ISO instants, or null). */
export interface KeyValidity {
  revokedAt: string | null;
  expiresAt: string | null;
}

export type ApiKeyStatus = 'active' | 'revoked' | 'expired';

/** Revoked wins over expired: it is the act someone took. An expiry is exclusive (`expiresAt` itself is expired). */
export function apiKeyStatus(key: KeyValidity, now: Date): ApiKeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now.getTime()) return 'expired';
  return 'active';
}
