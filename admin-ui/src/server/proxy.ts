import { cookies } from 'next/headers';
import { NextResponse, type NextRequest } from 'next/server';
import { isStaffRole } from '../lib/access';

/**
 * The console's server half: every `/api/*` request is forwarded to the API (`API_URL`). The refresh
 * token never reaches the browser: the API's answers that carry one (sign-in, second step, enrolment,
 * refresh) have it replaced by an httpOnly SameSite=Strict cookie, and `/api/auth/refresh` sends the
 * cookie's token on the browser's behalf. The browser keeps only the access token, in memory.
 */
export const REFRESH_COOKIE = 'fb_refresh';
const COOKIE_PATH = '/api/auth';
const TOKEN_ROUTES = new Set(['auth/mfa/verify', 'auth/mfa/enrolment/confirm', 'auth/login']);
const SIGN_OUT_ROUTES = new Set(['auth/logout', 'auth/logout-everywhere']);
/** Request headers passed to the API (others, cookies included, stay here). */
const FORWARDED_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'idempotency-key',
  'x-device-fingerprint',
  'x-request-id',
];
/** Response headers passed back to the browser. */
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'content-disposition',
  'x-request-id',
  'retry-after',
  'cache-control',
];

function apiUrl(): string {
  return (process.env.API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
}

function problem(status: number, code: string, title: string, detail: string): NextResponse {
  return NextResponse.json(
    { type: `/problems/${code}`, title, status, detail, code },
    { status, headers: { 'content-type': 'application/problem+json' } },
  );
}

/** `Secure` except on plain HTTP to this machine (local development and the browser tests). */
function secureCookies(req: NextRequest): boolean {
  const { protocol, hostname } = req.nextUrl;
  return protocol === 'https:' || !['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}

function refreshCookie(req: NextRequest, token: string, maxAgeSeconds: number) {
  return {
    name: REFRESH_COOKIE,
    value: token,
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: secureCookies(req),
    path: COOKIE_PATH,
    maxAge: maxAgeSeconds,
  };
}

async function callApi(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${apiUrl()}/${path}`, { ...init, redirect: 'manual', cache: 'no-store' });
  } catch {
    return problem(
      503,
      'console/api-unreachable',
      'The API is unreachable',
      'The console could not reach the FixBazaar API; try again in a moment.',
    );
  }
}

function passThrough(res: Response, body?: BodyInit | null): NextResponse {
  const headers = new Headers();
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = res.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new NextResponse(body === undefined ? res.body : body, { status: res.status, headers });
}

type Tokens = Record<string, unknown> & {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  sessionId: string;
};

/**
 * An answer with tokens: only staff may use the console (another role's session is ended at once);
 * the refresh token goes into the cookie, the rest (and any recovery codes) to the browser.
 */
async function withTokens(req: NextRequest, res: Response, payload: Tokens) {
  const me = await callApi('me', { headers: { authorization: `Bearer ${payload.accessToken}` } });
  const account = me.ok ? ((await me.json()) as { role: string }) : null;
  if (!account || !isStaffRole(account.role)) {
    await callApi('auth/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${payload.accessToken}` },
    });
    return problem(
      403,
      'console/staff-only',
      'The console is for staff',
      'Only admin, finance, CFO, compliance and ops leader accounts sign in here.',
    );
  }
  const { refreshToken, ...rest } = payload;
  const out = passThrough(res, JSON.stringify({ ...rest, role: account.role }));
  out.headers.set('content-type', 'application/json');
  out.cookies.set(refreshCookie(req, refreshToken, 30 * 24 * 3600));
  return out;
}

export async function proxy(req: NextRequest, segments: string[]): Promise<NextResponse> {
  const path = segments.map(encodeURIComponent).join('/');
  const route = segments.join('/');
  const search = req.nextUrl.search;
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers.get(name);
    if (value) headers.set(name, value);
  }
  const forwardedFor = req.headers.get('x-forwarded-for');
  if (forwardedFor) headers.set('x-forwarded-for', forwardedFor);

  if (route === 'auth/refresh' && req.method === 'POST') {
    const jar = await cookies();
    const token = jar.get(REFRESH_COOKIE)?.value;
    if (!token)
      return problem(401, 'auth/unauthenticated', 'Not signed in', 'Sign in to use the console.');
    headers.set('content-type', 'application/json');
    const res = await callApi('auth/refresh', {
      method: 'POST',
      headers,
      body: JSON.stringify({ refreshToken: token }),
    });
    if (res.ok) return withTokens(req, res, (await res.json()) as Tokens);
    const out = passThrough(res);
    if (res.status === 401 || res.status === 400)
      out.cookies.delete({ name: REFRESH_COOKIE, path: COOKIE_PATH });
    return out;
  }

  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const res = await callApi(`${path}${search}`, {
    method: req.method,
    headers,
    body: hasBody ? await req.arrayBuffer() : undefined,
  });
  if (req.method === 'POST' && TOKEN_ROUTES.has(route) && res.ok) {
    const payload = (await res.json()) as Record<string, unknown>;
    if (typeof payload.refreshToken === 'string') return withTokens(req, res, payload as Tokens);
    return passThrough(res, JSON.stringify(payload));
  }
  const out = passThrough(res);
  if (req.method === 'POST' && SIGN_OUT_ROUTES.has(route))
    out.cookies.delete({ name: REFRESH_COOKIE, path: COOKIE_PATH });
  return out;
}
