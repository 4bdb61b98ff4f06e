import createClient from 'openapi-fetch';
import { API_URL } from '../config';
import { ProblemError, type Problem } from '../lib/problem';
import type { components, paths } from './schema';
import { authedFetch } from './tokens';

export type Schemas = components['schemas'];

/** The typed API client (types generated from the committed ../openapi.json). */
export const api = createClient<paths>({ baseUrl: API_URL, fetch: authedFetch });

/** The data of a typed call, or a `ProblemError` carrying the API's problem+json for the screen. */
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
    requestId: body.requestId ?? response.headers.get('x-request-id') ?? undefined,
    errors: body.errors,
  });
}

/** An absolute URL for a path the API hands out (e.g. a listing image's `url`). */
export const apiUrl = (path: string): string => `${API_URL}${path}`;

/** A fresh key for a POST that takes an `Idempotency-Key` (one per attempt the user makes). */
export { randomUUID as idempotencyKey } from 'expo-crypto';
