import { SetMetadata } from '@nestjs/common';
import type { Action, Subject } from './ability.factory.js';

export const POLICY_KEY = 'fixbazaar:policy';
export const OWN_BEARER_KEY = 'fixbazaar:own-bearer';

/**
 * Every route declares exactly one policy; a route without one is refused (and fails the route test).
 * - `public`: anyone, signed in or not. `tokenOptional`: a signed-in caller gets a different answer
 *   (e.g. the prices of its channel), so the contract offers the Bearer token as optional.
 * - `authenticated`: any signed-in account, whatever its status (object checks happen in the handler).
 * - `ability`: the caller's CASL ability must allow `action` on `subject` (type-level; object-level
 *   checks happen in the handler or the query).
 */
export type RoutePolicy =
  | { kind: 'public'; tokenOptional?: true }
  | { kind: 'authenticated' }
  | { kind: 'ability'; action: Action; subject: Subject };

export const Public = (options: { tokenOptional?: true } = {}): MethodDecorator & ClassDecorator =>
  SetMetadata(POLICY_KEY, { kind: 'public', ...options } satisfies RoutePolicy);
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  SetMetadata(POLICY_KEY, { kind: 'authenticated' } satisfies RoutePolicy);
export const Can = (action: Action, subject: Subject): MethodDecorator & ClassDecorator =>
  SetMetadata(POLICY_KEY, { kind: 'ability', action, subject } satisfies RoutePolicy);

/**
 * On a `@Public()` route whose Bearer token is its own, not an account's (the metrics scraper's token):
 * the authentication guard leaves the Authorization header to the route's own guard.
 */
export const OwnBearerToken = (): MethodDecorator & ClassDecorator =>
  SetMetadata(OWN_BEARER_KEY, true);
