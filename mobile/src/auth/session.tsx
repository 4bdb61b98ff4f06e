import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { ReactNode } from 'react';
import { api, data, type Schemas } from '../api/client';
import { dropTokens, keepTokens, refresh, setSessionEndedHandler } from '../api/tokens';
import { ProblemError } from '../lib/problem';
import { onPushTokenChange, registerPush, unregisterPush, type PushState } from '../lib/push';

export type Account = Schemas['AccountDto'];
export type SignUp =
  | { role: 'customer'; body: Schemas['CustomerSignupDto'] }
  | { role: 'business'; body: Schemas['BusinessSignupDto'] }
  | { role: 'dealer'; body: Schemas['DealerSignupDto'] };
export type SignUpRole = SignUp['role'];

/** Which part of the app an account uses: buyers (customers and business buyers), dealers or technicians. */
export type AppArea = 'buyer' | 'dealer' | 'technician' | 'unsupported';
export function areaOf(role: Account['role']): AppArea {
  if (role === 'customer' || role === 'business') return 'buyer';
  if (role === 'dealer' || role === 'technician') return role;
  return 'unsupported';
}

interface Session {
  status: 'starting' | 'signedOut' | 'signedIn';
  account: Account | null;
  /** Why the last session ended, when the API ended it. */
  ended: boolean;
  /** Whether this device gets pushes while signed in. */
  push: PushState;
  signIn(identifier: string, password: string): Promise<void>;
  /** Makes the account, then signs in with its e-mail (or phone) and password. */
  signUp(request: SignUp): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** Staff sign in with a second factor on the staff console, not in the app. */
const STAFF_ONLY = new ProblemError({
  title: 'Staff account',
  status: 403,
  code: 'app/staff-use-console',
  detail: 'Staff accounts sign in on the staff console.',
});

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Session['status']>('starting');
  const [account, setAccount] = useState<Account | null>(null);
  const [ended, setEnded] = useState(false);
  const [push, setPush] = useState<PushState>('starting');
  // The push token registered for this session: removed on sign-out, replaced when the OS changes it.
  const pushToken = useRef<string | null>(null);

  const loadAccount = useCallback(async () => {
    setAccount(await data(api.GET('/me')));
    setEnded(false);
    setStatus('signedIn');
  }, []);

  const clear = useCallback(async () => {
    pushToken.current = null;
    setPush('starting');
    await dropTokens();
    queryClient.clear();
    setAccount(null);
    setStatus('signedOut');
  }, [queryClient]);

  useEffect(() => {
    setSessionEndedHandler(() => {
      setEnded(true);
      void clear();
    });
    // A stored session resumes; without one (or offline, or refused) the app starts signed out.
    void refresh()
      .then((resumed) => (resumed ? loadAccount() : setStatus('signedOut')))
      .catch(() => setStatus('signedOut'));
  }, [clear, loadAccount]);

  // Signed in: this device's push token registered, again whenever the OS changes it.
  const startPush = useCallback(async () => {
    const registered = await registerPush().catch(() => ({
      state: 'unavailable' as const,
      token: null,
    }));
    const previous = pushToken.current;
    pushToken.current = registered.token;
    if (previous && previous !== registered.token)
      await unregisterPush(previous).catch(() => undefined);
    setPush(registered.state);
  }, []);
  useEffect(() => {
    if (status !== 'signedIn') return;
    void startPush();
    return onPushTokenChange(() => void startPush());
  }, [status, startPush]);

  const value = useMemo<Session>(
    () => ({
      status,
      account,
      ended,
      push,
      async signIn(identifier, password) {
        const answer = await data(api.POST('/auth/login', { body: { identifier, password } }));
        if (!('accessToken' in answer)) throw STAFF_ONLY;
        await keepTokens(answer);
        await loadAccount();
      },
      async signUp(request) {
        if (request.role === 'customer')
          await data(api.POST('/accounts/customers', { body: request.body }));
        else if (request.role === 'business')
          await data(api.POST('/accounts/businesses', { body: request.body }));
        else await data(api.POST('/accounts/dealers', { body: request.body }));
        await this.signIn(request.body.email ?? request.body.phone ?? '', request.body.password);
      },
      async signOut() {
        // While still signed in: this device stops getting the account's pushes.
        const token = pushToken.current;
        pushToken.current = null;
        if (token) await unregisterPush(token).catch(() => undefined);
        await api.POST('/auth/logout').catch(() => undefined);
        await clear();
      },
    }),
    [status, account, ended, push, loadAccount, clear],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
