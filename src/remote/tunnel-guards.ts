/**
 * The tunnel's own credentials, checked before a body is read (route guards, on `@Public()
 * @OwnBearerToken()` routes: no account's token opens them).
 */
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppProblem } from '../common/errors/problem.js';
import { ed25519PublicKeyFromRaw } from '../common/ed25519-keys.js';
import {
  SignedMessageError,
  verifyAgentToken,
  type AgentTokenClaims,
} from '../common/tunnel-contract.js';
import { TunnelRelays } from './tunnel-relays.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The customer agent's verified join token (`AgentTokenGuard`). */
    agentClaims?: AgentTokenClaims;
  }
}

/** The relays' routes: `Authorization: Bearer <TUNNEL_RELAY_SECRET>` (constant-time). */
@Injectable()
export class RelayGuard implements CanActivate {
  constructor(private readonly relays: TunnelRelays) {}

  canActivate(context: ExecutionContext): boolean {
    this.relays.assertRelay(
      context.switchToHttp().getRequest<FastifyRequest>().headers.authorization,
    );
    return true;
  }
}

const unauthorizedAgent = (detail: string) =>
  new AppProblem(
    401,
    'remote/agent-unauthorized',
    'Unauthenticated',
    detail,
    {},
    { 'www-authenticate': 'Tunnel' },
  );

/**
 * The customer agent's routes: `Authorization: Tunnel <its join token>`, signed by the platform,
 * of the session in the path and the customer's role, until the token's hard stop (its join
 * deadline aside). That the token was issued by this API is checked by the handler (in the database).
 */
@Injectable()
export class AgentTokenGuard implements CanActivate {
  private readonly keys;

  constructor(relays: TunnelRelays) {
    this.keys = relays.publicKeys.map((k) => ed25519PublicKeyFromRaw(Buffer.from(k, 'base64')));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const match = /^Tunnel (\S+)$/.exec(request.headers.authorization ?? '');
    if (!match)
      throw unauthorizedAgent(
        'Send the customer agent’s join token: Authorization: Tunnel <token>',
      );
    let claims: AgentTokenClaims;
    try {
      claims = verifyAgentToken(match[1]!, this.keys, Math.floor(Date.now() / 1000), {
        ignoreJoinDeadline: true,
      });
    } catch (err) {
      if (err instanceof SignedMessageError)
        throw unauthorizedAgent(`The join token is not valid (${err.code})`);
      throw err;
    }
    const sessionId = (request.params as Record<string, string | undefined>).remoteSessionId;
    if (claims.sid !== sessionId || claims.role !== 'customer')
      throw unauthorizedAgent('The join token is not the customer agent’s of this session');
    request.agentClaims = claims;
    return true;
  }
}
