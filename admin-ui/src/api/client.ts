import createClient from 'openapi-fetch';
import { ProblemError, type Problem } from '../lib/problem';
import type { paths } from './schema';
import { authedFetch } from './session';

/** The typed API client (types generated from the committed openapi.json), through the console's `/api` proxy. */
export const api = createClient<paths>({
  baseUrl: typeof window === 'undefined' ? 'http://localhost/api' : `${window.location.origin}/api`,
  fetch: authedFetch,
});

/**
 * The data of a typed call, or a `ProblemError` carrying the API's problem+json (title, detail,
 * request id) for the page's error state.
 */
export async function data<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const body = (error ?? {}) as Partial<Problem>;
  throw new ProblemError({
    title: body.title ?? (response.statusText || 'Request failed'),
    status: response.status,
    code: body.code ?? `http/${response.status}`,
    detail: body.detail,
    errors: body.errors,
    requestId: body.requestId ?? response.headers.get('x-request-id') ?? undefined,
  });
}
