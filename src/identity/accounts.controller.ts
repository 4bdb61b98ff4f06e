import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, Public } from '../access/policy.decorator.js';
import { AppProblem } from '../common/errors/problem.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { TransactionRunner } from '../database/transaction.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import { AccountRecoveryService } from './account-recovery.service.js';
import { AccountsService } from './accounts.service.js';
import { AccountDto, SessionDto, UpdateMeDto } from './dto/account.dto.js';
import { SessionIdParamDto } from './dto/admin.dto.js';
import { PhoneCodeDto } from './dto/auth.dto.js';
import {
  BusinessSignupDto,
  CustomerSignupDto,
  DealerSignupDto,
  TechnicianSignupDto,
} from './dto/signup.dto.js';
import { SessionsRepository } from './sessions.repository.js';

/** Self-signup (one route per role, so nobody can pick their role in a body) and one's own account. */
@ApiTags('accounts')
@Controller()
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsRepository,
    private readonly tx: TransactionRunner,
    private readonly recovery: AccountRecoveryService,
  ) {}

  /** Consumer account (B2C), active at once. */
  @Post('accounts/customers')
  @RateLimitCategory('auth')
  @Public()
  @ApiOperation({ summary: 'Sign up as a customer' })
  signupCustomer(@Body() dto: CustomerSignupDto, @Meta() meta: RequestMeta): Promise<AccountDto> {
    return this.accounts.signup({ role: 'customer', dto }, meta);
  }

  /**
   * Business buyer (B2B): pending until an admin verifies the GSTIN; the billing address is in the
   * GSTIN's state. One business account per GSTIN.
   */
  @Post('accounts/businesses')
  @RateLimitCategory('auth')
  @Public()
  @ApiOperation({ summary: 'Sign up as a business buyer' })
  signupBusiness(@Body() dto: BusinessSignupDto, @Meta() meta: RequestMeta): Promise<AccountDto> {
    return this.accounts.signup({ role: 'business', dto }, meta);
  }

  /**
   * Dealer: pending until an admin approves; cannot list or sell before. The PAN is the GSTIN's, the
   * pickup address in the GSTIN's state; one dealer account per GSTIN.
   */
  @Post('accounts/dealers')
  @RateLimitCategory('auth')
  @Public()
  @ApiOperation({ summary: 'Sign up as a dealer' })
  signupDealer(@Body() dto: DealerSignupDto, @Meta() meta: RequestMeta): Promise<AccountDto> {
    return this.accounts.signup({ role: 'dealer', dto }, meta);
  }

  /** Technician (hardware or software): pending until an admin approves. */
  @Post('accounts/technicians')
  @RateLimitCategory('auth')
  @Public()
  @ApiOperation({ summary: 'Sign up as a technician' })
  signupTechnician(
    @Body() dto: TechnicianSignupDto,
    @Meta() meta: RequestMeta,
  ): Promise<AccountDto> {
    return this.accounts.signup({ role: 'technician', dto }, meta);
  }

  @Get('me')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'My account' })
  me(@Meta() meta: RequestMeta): Promise<AccountDto> {
    return this.accounts.me(meta.principal!);
  }

  @Patch('me')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Update my profile' })
  updateMe(@Body() dto: UpdateMeDto, @Meta() meta: RequestMeta): Promise<AccountDto> {
    return this.accounts.updateMe(meta.principal!, dto);
  }

  /** Texts a new verification code to my phone (one a minute; valid 10 minutes). */
  @Post('me/phone/verification')
  @HttpCode(204)
  @RateLimitCategory('auth')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Send a phone verification code' })
  async sendPhoneCode(@Meta() meta: RequestMeta): Promise<void> {
    await this.recovery.sendPhoneCode(meta.principal!.userId);
  }

  /** Verifies my phone with the texted code (needed before checkout). */
  @Post('me/phone/verify')
  @HttpCode(200)
  @RateLimitCategory('auth')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Verify my phone' })
  async verifyPhone(@Body() body: PhoneCodeDto, @Meta() meta: RequestMeta): Promise<AccountDto> {
    await this.recovery.verifyPhone(meta.principal!.userId, body.code);
    return this.accounts.me(meta.principal!);
  }

  @Get('me/sessions')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'My sessions' })
  mySessions(@Meta() meta: RequestMeta): Promise<SessionDto[]> {
    return this.sessions.list(meta.principal!.userId, meta.principal!.sessionId);
  }

  /** Revoke one of my sessions (e.g. a lost phone). Another account's session id answers 404. */
  @Delete('me/sessions/:sessionId')
  @HttpCode(204)
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke one of my sessions' })
  async revokeMySession(
    @Param() params: SessionIdParamDto,
    @Meta() meta: RequestMeta,
  ): Promise<void> {
    const userId = meta.principal!.userId;
    if (!(await this.sessions.exists(userId, params.sessionId))) {
      throw new AppProblem(404, 'session/not-found', 'Not found', 'No such session');
    }
    await this.tx.run((tx) =>
      this.sessions.revoke(tx, userId, params.sessionId, 'revoked_by_owner'),
    );
  }
}
