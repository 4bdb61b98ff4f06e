'use client';
import { useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter } from 'next/navigation';
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import {
  authedFetch,
  clear,
  currentRole,
  hold,
  onSessionEnded,
  refresh,
  type TokenAnswer,
} from '../api/session';
import type { StaffRole } from '../lib/access';

interface Auth {
  /** `loading` until the refresh cookie was tried once (a reload keeps the session). */
  status: 'loading' | 'signed-in' | 'signed-out';
  role: StaffRole | null;
  signedIn(answer: TokenAnswer): void;
  signOut(everywhere?: boolean): Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

/** Why the sign-in page was shown, as `?reason=`: the message it shows. */
export const SIGN_IN_REASONS: Record<string, string> = {
  'session-ended':
    'Your session has ended: you were signed out everywhere, or your session was revoked. Sign in again.',
  'signed-out': 'You are signed out.',
};

export function AuthProvider({ children }: { children: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const queries = useQueryClient();
  const [status, setStatus] = useState<Auth['status']>(() =>
    currentRole() ? 'signed-in' : 'loading',
  );
  const [role, setRole] = useState<StaffRole | null>(() => currentRole());
  /** Why the session ended (a key of SIGN_IN_REASONS), for the sign-in page. */
  const [reason, setReason] = useState<string | null>(null);

  useEffect(() => {
    if (status !== 'loading') return;
    void refresh().then((session) => {
      setRole(session?.role ?? null);
      setStatus(session ? 'signed-in' : 'signed-out');
    });
  }, [status]);

  useEffect(
    () =>
      onSessionEnded(() => {
        queries.clear();
        setRole(null);
        setReason('session-ended');
        setStatus('signed-out');
      }),
    [queries],
  );

  useEffect(() => {
    if (status === 'signed-out' && pathname !== '/sign-in')
      router.replace(reason ? `/sign-in?reason=${reason}` : '/sign-in');
  }, [status, pathname, reason, router]);

  const signedIn = useCallback((answer: TokenAnswer) => {
    setReason(null);
    setRole(hold(answer));
    setStatus('signed-in');
  }, []);

  const signOut = useCallback(
    async (everywhere = false) => {
      await authedFetch(
        new Request(
          `${window.location.origin}/api/auth/${everywhere ? 'logout-everywhere' : 'logout'}`,
          {
            method: 'POST',
          },
        ),
      ).catch(() => undefined);
      clear();
      queries.clear();
      setRole(null);
      setReason('signed-out');
      setStatus('signed-out');
    },
    [queries],
  );

  return (
    <AuthContext.Provider value={{ status, role, signedIn, signOut }}>
      {children}
    </AuthContext.Provider>
  );
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}
