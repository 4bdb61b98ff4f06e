import { isStaffRole, type StaffRole } from '../lib/access';
import { problemOf, type Problem } from '../lib/problem';

/**
 * The browser's half of the session: the access token lives only in this module's memory (never in
 * storage); the refresh token is the console server's httpOnly cookie, used through
 * `/api/auth/refresh` on start-up (a reload), shortly before expiry and when the API says the token
 * expired. A session the API reports ended (signed out everywhere, blocked, revoked) notifies the
 * listeners, which send the user to sign-in with the reason.
 */
interface Held {
  token: string;
  expiresAt: number;
  role: StaffRole;
}

export interface TokenAnswer {
  accessToken: string;
  expiresIn: number;
  role: string;
}

let held: Held | null = null;
let refreshing: Promise<Held | null> | null = null;
const endedListeners = new Set<(problem: Problem) => void>();

/** Codes after which refreshing cannot help: the session is over. */
const ENDED = new Set(['auth/session-ended', 'auth/refresh-token-reused', 'auth/account-blocked']);

export function hold(answer: TokenAnswer): StaffRole {
  if (!isStaffRole(answer.role)) throw new Error(`not a staff role: ${answer.role}`);
  held = {
    token: answer.accessToken,
    expiresAt: Date.now() + answer.expiresIn * 1000,
    role: answer.role,
  };
  return held.role;
}

export function clear(): void {
  held = null;
}

export function currentRole(): StaffRole | null {
  return held?.role ?? null;
}

export function onSessionEnded(listener: (problem: Problem) => void): () => void {
  endedListeners.add(listener);
  return () => endedListeners.delete(listener);
}

function ended(problem: Problem): void {
  held = null;
  for (const listener of endedListeners) listener(problem);
}

/** A new access token from the refresh cookie (one request at a time); null when there is no session. */
export function refresh(): Promise<Held | null> {
  refreshing ??= (async () => {
    try {
      const res = await fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' });
      if (!res.ok) {
        const problem = await problemOf(res);
        if (ENDED.has(problem.code)) ended(problem);
        else held = null;
        return null;
      }
      hold((await res.json()) as TokenAnswer);
      return held;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/**
 * `fetch` with the access token: refreshed first when it expires within 30 s, and once more when the
 * API still calls it invalid or expired. The typed client and downloads both go through it.
 */
export async function authedFetch(input: Request): Promise<Response> {
  if (!held || held.expiresAt - Date.now() < 30_000) await refresh();
  const send = (req: Request) => {
    const headers = new Headers(req.headers);
    if (held) headers.set('authorization', `Bearer ${held.token}`);
    return fetch(new Request(req, { headers }));
  };
  const retry = input.clone();
  let res = await send(input);
  if (res.status === 401) {
    const problem = await problemOf(res.clone());
    if (ENDED.has(problem.code)) ended(problem);
    else if (problem.code === 'auth/invalid-token' && (await refresh())) res = await send(retry);
  }
  return res;
}
