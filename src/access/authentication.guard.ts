import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppProblem } from '../common/errors/problem.js';
import { AccessTokenVerifier, PrincipalSource } from './access-token-verifier.js';
import { OWN_BEARER_KEY } from './policy.decorator.js';
import type { Principal } from '../common/roles.js';

const unauthenticated = (code: string, detail: string): AppProblem =>
  new AppProblem(401, code, 'Unauthenticated', detail, {}, { 'www-authenticate': 'Bearer' });

/**
 * First global guard: turns a Bearer token into the request's Principal (or null without one). The token
 * names a session; the session and the account are looked up on every request (`PrincipalSource`:
 * a cache that every change to them clears at commit, on every process), so revocation, blocking and
 * approval changes take effect at once rather than when the token expires. Routes marked
 * `@OwnBearerToken()` check the header themselves and have no principal.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly tokens: AccessTokenVerifier,
    private readonly principals: PrincipalSource,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.principal = null;
    const header = request.headers.authorization;
    if (header === undefined) return true;
    const ownBearer = this.reflector.getAllAndOverride<boolean | undefined>(OWN_BEARER_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (ownBearer) return true;
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    if (!match)
      throw unauthenticated(
        'auth/invalid-token',
        'The Authorization header must be "Bearer <access token>"',
      );
    const claims = this.tokens.verifyAccess(match[1]!);
    if (!claims)
      throw unauthenticated(
        'auth/invalid-token',
        'The access token is invalid or expired; refresh it or sign in again',
      );
    const row = await this.principals.principalOf(claims);
    if (!row)
      throw unauthenticated(
        'auth/session-ended',
        'This session has been signed out or revoked; sign in again',
      );
    if (row.status === 'blocked')
      throw unauthenticated('auth/account-blocked', 'This account is blocked');
    const principal: Principal = {
      userId: claims.userId,
      sessionId: claims.sessionId,
      role: row.role,
      status: row.status,
      technicianKind: row.technicianKind,
      phoneUnverified: row.phoneUnverified,
    };
    request.principal = principal;
    return true;
  }
}
