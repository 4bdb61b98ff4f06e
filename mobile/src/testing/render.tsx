/**
 * Component tests: a screen rendered with the app's providers (React Query, i18n in English, the
 * session) against a stand-in for the API — `fetch` answered from a table of `METHOD /path` routes
 * whose bodies are typed by the contract — with the refresh token in an in-memory secure store.
 * The same table answers the device's own files (`GET /path` of a `file://` URI) with raw bytes.
 */
import { jest } from '@jest/globals';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react-native';
import type { ReactElement } from 'react';
import type { Schemas } from '../api/client';
import { SessionProvider } from '../auth/session';
import { tokenStore } from '../auth/token-store';
import i18n from '../i18n';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  /** JSON parsed; a photo or video's bytes as they were sent. */
  body: unknown;
}
export type Answer =
  { status?: number; body: unknown } | ((call: Call) => { status?: number; body: unknown });

/**
 * Installs the stand-in API: `routes['GET /cart'] = { body: cart }`; the calls made are recorded.
 * A refresh token is stored when the routes answer `POST /auth/refresh` (see `signedInAs`), else the
 * app starts signed out.
 */
export function fakeApi(routes: Record<string, Answer>): Call[] {
  const calls: Call[] = [];
  void ('POST /auth/refresh' in routes ? tokenStore.save('refresh-token') : tokenStore.clear());
  global.fetch = jest.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const raw = /^(image|video)\//.test(request.headers.get('content-type') ?? '');
    const text = raw ? '' : await request.text();
    const call: Call = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: raw ? new Uint8Array(await request.arrayBuffer()) : text ? JSON.parse(text) : undefined,
    };
    calls.push(call);
    const route = routes[`${call.method} ${call.path}`];
    if (!route) throw new Error(`no stand-in for ${call.method} ${call.path}`);
    const { status = 200, body } = typeof route === 'function' ? route(call) : route;
    if (status === 204) return new Response(null, { status });
    if (body instanceof Uint8Array) return new Response(Uint8Array.from(body).buffer, { status });
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
    });
  }) as typeof fetch;
  return calls;
}

/** A signed-in account: the routes the session starts with (refresh, then `GET /me`). */
export function signedInAs(
  account: Partial<Schemas['AccountDto']> & Pick<Schemas['AccountDto'], 'role'>,
) {
  return {
    'POST /auth/refresh': {
      body: { accessToken: 'access-token', refreshToken: 'refresh-token-2' },
    },
    'GET /me': {
      body: {
        id: 'u-1',
        status: 'approved',
        email: 'someone@example.in',
        displayName: 'Asha Rao',
        createdAt: '2026-12-01T00:00:00.000Z',
        ...account,
      },
    },
  };
}

export async function renderScreen(screen: ReactElement) {
  await i18n.changeLanguage('en');
  // gcTime Infinity: no garbage-collection timer outlives the test.
  const client = new QueryClient({
    defaultOptions: {
      queries: { retry: false, gcTime: Infinity },
      mutations: { gcTime: Infinity },
    },
  });
  return render(
    <QueryClientProvider client={client}>
      <SessionProvider>{screen}</SessionProvider>
    </QueryClientProvider>,
  );
}
