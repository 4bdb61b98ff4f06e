import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, Public } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import { AuthService } from './auth.service.js';
import { RevokedDto } from './dto/admin.dto.js';
import { ChangePasswordDto, LoginDto, RefreshDto, TokensDto } from './dto/auth.dto.js';

@ApiTags('auth')
@RateLimitCategory('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /**
   * Sign in with email or phone and password. Repeated failures for one account or IP slow down
   * (429 `auth/slow-down`) and then lock (429 `auth/locked`), both with Retry-After.
   */
  @Post('login')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Sign in' })
  login(@Body() body: LoginDto, @Meta() meta: RequestMeta): Promise<TokensDto> {
    return this.auth.login(body.identifier, body.password, meta);
  }

  /** Rotate: returns a new access and refresh token; the presented refresh token stops working. */
  @Post('refresh')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Refresh tokens' })
  refresh(@Body() body: RefreshDto): Promise<TokensDto> {
    return this.auth.refresh(body.refreshToken);
  }

  /** Ends the current session. */
  @Post('logout')
  @HttpCode(204)
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Sign out' })
  async logout(@Meta() meta: RequestMeta): Promise<void> {
    await this.auth.logout(meta.principal!.userId, meta.principal!.sessionId);
  }

  /** Ends every session of the account, this one included. */
  @Post('logout-everywhere')
  @HttpCode(200)
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Sign out everywhere' })
  async logoutEverywhere(@Meta() meta: RequestMeta): Promise<RevokedDto> {
    return { revoked: await this.auth.logoutEverywhere(meta.principal!.userId) };
  }

  /** Changes the password; every other session is signed out. */
  @Post('password')
  @HttpCode(200)
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change password' })
  async changePassword(
    @Body() body: ChangePasswordDto,
    @Meta() meta: RequestMeta,
  ): Promise<RevokedDto> {
    const p = meta.principal!;
    return {
      revoked: await this.auth.changePassword(
        p.userId,
        p.sessionId,
        body.currentPassword,
        body.newPassword,
      ),
    };
  }
}
