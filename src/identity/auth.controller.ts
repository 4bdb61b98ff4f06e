import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Authenticated, Public } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import { AccountRecoveryService, ONE_TIME_CODE } from './account-recovery.service.js';
import { AuthService } from './auth.service.js';
import { RevokedDto } from './dto/admin.dto.js';
import {
  ChangePasswordDto,
  LoginDto,
  MfaChallengeDto,
  MfaConfirmDto,
  MfaEnrolledDto,
  MfaEnrolmentDto,
  MfaTokenDto,
  MfaVerifyDto,
  PasswordResetConfirmDto,
  PasswordResetRequestDto,
  PasswordResetRequestedDto,
  RefreshDto,
  TokensDto,
} from './dto/auth.dto.js';
import { MfaService } from './mfa.service.js';

@ApiTags('auth')
@RateLimitCategory('auth')
@ApiExtraModels(TokensDto, MfaChallengeDto)
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly mfa: MfaService,
    private readonly recovery: AccountRecoveryService,
  ) {}

  /**
   * Sign in with email or phone and password. Repeated failures for one account or IP slow down
   * (429 `auth/slow-down`) and then lock (429 `auth/locked`), both with Retry-After. Staff get no
   * tokens here but a second-factor challenge (`status` `mfa_required` or `mfa_enrolment_required`).
   */
  @Post('login')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Sign in' })
  @ApiOkResponse({
    description: 'Tokens, or (staff) a second-factor challenge',
    schema: {
      oneOf: [{ $ref: getSchemaPath(TokensDto) }, { $ref: getSchemaPath(MfaChallengeDto) }],
    },
  })
  login(@Body() body: LoginDto, @Meta() meta: RequestMeta): Promise<TokensDto | MfaChallengeDto> {
    return this.auth.login(body.identifier, body.password, meta);
  }

  /**
   * Staff second step: a 6-digit TOTP code (each accepted once) or one of the recovery codes. Five
   * wrong codes end the challenge (401 `auth/mfa-challenge-ended`); ten within 15 minutes lock the
   * account's second step (429 `auth/mfa-locked`).
   */
  @Post('mfa/verify')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Second factor (staff)' })
  verifyMfa(@Body() body: MfaVerifyDto, @Meta() meta: RequestMeta): Promise<TokensDto> {
    return this.mfa.verify(body.mfaToken, body, meta);
  }

  /** Staff not yet enrolled: a TOTP secret for an authenticator app (confirm it with a first code). */
  @Post('mfa/enrolment')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Start TOTP enrolment (staff)' })
  startEnrolment(@Body() body: MfaTokenDto): Promise<MfaEnrolmentDto> {
    return this.mfa.startEnrolment(body.mfaToken);
  }

  /** The authenticator's first code confirms the enrolment: tokens and ten single-use recovery codes. */
  @Post('mfa/enrolment/confirm')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Confirm TOTP enrolment (staff)' })
  confirmEnrolment(
    @Body() body: MfaConfirmDto,
    @Meta() meta: RequestMeta,
  ): Promise<MfaEnrolledDto> {
    return this.mfa.confirmEnrolment(body.mfaToken, body.code, meta);
  }

  /**
   * Sends a 6-digit reset code (valid 10 minutes) to the e-mail or phone given, if an account has it.
   * The answer is the same either way.
   */
  @Post('password-reset')
  @HttpCode(202)
  @Public()
  @ApiOperation({ summary: 'Request a password reset code' })
  @ApiAcceptedResponse({ type: PasswordResetRequestedDto })
  async requestPasswordReset(
    @Body() body: PasswordResetRequestDto,
  ): Promise<PasswordResetRequestedDto> {
    await this.recovery.requestPasswordReset(body.identifier);
    return {
      detail: 'If an account has this e-mail or phone, a code has been sent to it',
      codeExpiresIn: ONE_TIME_CODE.ttlSeconds,
    };
  }

  /**
   * Sets a new password with the code; every session of the account ends. A wrong, expired or used
   * code answers 400 `auth/invalid-code`; five wrong codes end the code.
   */
  @Post('password-reset/confirm')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Reset the password with a code' })
  async confirmPasswordReset(
    @Body() body: PasswordResetConfirmDto,
    @Meta() meta: RequestMeta,
  ): Promise<RevokedDto> {
    return {
      revoked: await this.recovery.confirmPasswordReset(
        body.identifier,
        body.code,
        body.newPassword,
        meta,
      ),
    };
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
