import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { AccountsService } from './accounts.service.js';
import { MfaService } from './mfa.service.js';
import { AccountDetailDto, AccountDto, AccountPageDto, SessionDto } from './dto/account.dto.js';
import {
  ApprovalQueueQueryDto,
  CreateStaffDto,
  ReasonDto,
  RevokedDto,
  StatusActionDto,
  UserIdParamDto,
} from './dto/admin.dto.js';

/** Staff governance of accounts. Every change carries a reason and writes an audit event. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin')
export class AdminAccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly mfa: MfaService,
  ) {}

  /** Create a staff account (admin, finance, ops_leader, compliance, cfo). */
  @Post('staff')
  @Can('create', 'StaffAccount')
  @ApiOperation({ summary: 'Create a staff account' })
  createStaff(@Body() dto: CreateStaffDto, @Meta() meta: RequestMeta): Promise<AccountDto> {
    return this.accounts.createStaff(dto, meta);
  }

  /** Accounts waiting for approval, oldest first. */
  @Get('approvals')
  @Can('read', 'ApprovalQueue')
  @ApiOperation({ summary: 'Approval queue' })
  approvals(@Query() q: ApprovalQueueQueryDto): Promise<AccountPageDto> {
    return this.accounts.approvalQueue(q.role, q.limit, q.cursor);
  }

  /** An account with its status history. */
  @Get('users/:id')
  @Can('read', 'User')
  @ApiOperation({ summary: 'Account detail' })
  user(@Param() p: UserIdParamDto): Promise<AccountDetailDto> {
    return this.accounts.get(p.id);
  }

  @Post('users/:id/approve')
  @HttpCode(200)
  @Can('approve', 'User')
  @ApiOperation({ summary: 'Approve an account (pending or suspended)' })
  approve(
    @Param() p: UserIdParamDto,
    @Body() body: StatusActionDto,
    @Meta() meta: RequestMeta,
  ): Promise<AccountDetailDto> {
    return this.accounts.changeStatus(p.id, 'approve', body.reason, body.override ?? false, meta);
  }

  @Post('users/:id/suspend')
  @HttpCode(200)
  @Can('suspend', 'User')
  @ApiOperation({ summary: 'Suspend an approved account' })
  suspend(
    @Param() p: UserIdParamDto,
    @Body() body: StatusActionDto,
    @Meta() meta: RequestMeta,
  ): Promise<AccountDetailDto> {
    return this.accounts.changeStatus(p.id, 'suspend', body.reason, body.override ?? false, meta);
  }

  /** Blocked accounts cannot sign in; their sessions end at once. */
  @Post('users/:id/block')
  @HttpCode(200)
  @Can('block', 'User')
  @ApiOperation({ summary: 'Block an account' })
  block(
    @Param() p: UserIdParamDto,
    @Body() body: StatusActionDto,
    @Meta() meta: RequestMeta,
  ): Promise<AccountDetailDto> {
    return this.accounts.changeStatus(p.id, 'block', body.reason, body.override ?? false, meta);
  }

  @Get('users/:id/sessions')
  @Can('read', 'Session')
  @ApiOperation({ summary: "An account's sessions" })
  sessions(@Param() p: UserIdParamDto): Promise<SessionDto[]> {
    return this.accounts.sessionsOf(p.id);
  }

  @Post('users/:id/sessions/revoke')
  @HttpCode(200)
  @Can('revoke', 'Session')
  @ApiOperation({ summary: "Revoke all of an account's sessions" })
  async revokeSessions(
    @Param() p: UserIdParamDto,
    @Body() body: ReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<RevokedDto> {
    return { revoked: await this.accounts.revokeSessionsOf(p.id, body.reason, meta) };
  }

  /**
   * Ops leader: removes a staff member's second factor (lost authenticator and recovery codes), with a
   * reason (audited). Their sessions end; their next sign-in enrols again. Not one's own (403).
   */
  @Post('users/:id/mfa/reset')
  @HttpCode(200)
  @Can('reset', 'StaffMfa')
  @ApiOperation({ summary: "Reset a staff member's two-factor enrolment" })
  async resetMfa(
    @Param() p: UserIdParamDto,
    @Body() body: ReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<RevokedDto> {
    return { revoked: await this.mfa.reset(p.id, body.reason, meta) };
  }
}
