import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { RequestMeta } from '../common/request-meta.js';
import type { TokensDto } from './dto/auth.dto.js';
import { SessionsRepository } from './sessions.repository.js';
import { TokenService } from './token.service.js';

/** Opens a session (a full sign-in) and issues its tokens: after a password, or a password and a second factor. */
@Injectable()
export class SessionIssuer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokenService,
  ) {}

  async open(
    tx: EntityManager,
    userId: string,
    meta: RequestMeta,
  ): Promise<{ sessionId: string; refreshToken: string }> {
    const refresh = this.tokens.newRefreshToken();
    const sessionId = await this.sessions.create(tx, {
      userId,
      fingerprintHash: meta.deviceFingerprint,
      ip: meta.ip,
      userAgent: meta.userAgent,
      ttlDays: this.config.auth.refreshTokenTtlDays,
      tokenHash: refresh.hash,
    });
    return { sessionId, refreshToken: refresh.token };
  }

  async tokensFor(
    userId: string,
    role: string,
    sessionId: string,
    refreshToken: string,
  ): Promise<TokensDto> {
    return {
      tokenType: 'Bearer',
      accessToken: this.tokens.signAccess({ userId, sessionId, role }),
      expiresIn: this.tokens.accessTtlSeconds,
      refreshToken,
      sessionId,
    };
  }
}
