import { API_URL } from '../config';
import { tokenStore } from '../auth/token-store';

/**
 * The session's tokens: the access token in memory, the refresh token in `tokenStore` (secure store
 * on devices, memory on the web). `authedFetch` adds the access token to every API call and, on a
 * 401, refreshes once (one refresh shared by concurrent calls) and retries; when the refresh is
 * refused the session is over and `onSessionEnded` tells the app.
 */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
let onSessionEnded: () => void = () => undefined;

export function setSessionEndedHandler(handler: () => void): void {
  onSessionEnded = handler;
}

export async function keepTokens(tokens: Tokens): Promise<void> {
  accessToken = tokens.accessToken;
  await tokenStore.save(tokens.refreshToken);
}

export async function dropTokens(): Promise<void> {
  accessToken = null;
  await tokenStore.clear();
}

export const hasAccessToken = (): boolean => accessToken !== null;

/** The access token now (the chat socket's handshake carries it; a reconnect asks again). */
export const currentAccessToken = (): string | null => accessToken;

/** A new access token from the stored refresh token; false when there is none or it is refused. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const refreshToken = await tokenStore.load();
      if (!refreshToken) return false;
      const res = await fetch(`${API_URL}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
      if (!res.ok) {
        await dropTokens();
        return false;
      }
      await keepTokens((await res.json()) as Tokens);
      return true;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function withToken(request: Request): Request {
  const copy = new Request(request);
  if (accessToken) copy.headers.set('authorization', `Bearer ${accessToken}`);
  return copy;
}

export async function authedFetch(request: Request): Promise<Response> {
  const retry = accessToken ? request.clone() : null;
  const res = await fetch(withToken(request));
  if (res.status !== 401 || !retry) return res;
  if (await refresh()) return fetch(withToken(retry));
  onSessionEnded();
  return res;
}
