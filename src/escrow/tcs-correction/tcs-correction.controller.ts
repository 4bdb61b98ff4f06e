import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import {
  DecideTcsCorrectionDto,
  ProposeTcsCorrectionDto,
  TcsCorrectionDto,
  TcsCorrectionIdParamDto,
} from './tcs-correction.dto.js';
import { ApproveTcsCorrectionCommand } from '../commands/approve-tcs-correction.command.js';
import { ProposeTcsCorrectionCommand } from '../commands/propose-tcs-correction.command.js';
import { RejectTcsCorrectionCommand } from '../commands/reject-tcs-correction.command.js';
import { TcsCorrectionService } from './tcs-correction.service.js';

/**
 * Releases posted with TCS on the schedule's 18 % moved to TCS on their lines' own taxable values,
 * under maker-checker (the TCS correction commands in src/escrow/commands/). Finance proposes (the
 * report of every release checked), a different finance user approves (posts the differences) or
 * rejects; the proposer may withdraw. Audited.
 */
@ApiTags('ledger')
@ApiBearerAuth()
@Controller('ledger/tcs-corrections')
export class TcsCorrectionController {
  constructor(
    private readonly commands: CommandBus,
    private readonly corrections: TcsCorrectionService,
  ) {}

  @Post()
  @Can('create', 'LedgerAdjustment')
  @ApiOperation({ summary: 'Propose the TCS correction of past releases, with its report (maker)' })
  @ApiCreatedResponse({ type: TcsCorrectionDto })
  propose(
    @Body() dto: ProposeTcsCorrectionDto,
    @Meta() meta: RequestMeta,
  ): Promise<TcsCorrectionDto> {
    return this.commands.execute(new ProposeTcsCorrectionCommand(dto.reason, meta));
  }

  @Get(':correctionId')
  @Can('read', 'LedgerAdjustment')
  @ApiOperation({ summary: 'A TCS correction and its report' })
  @ApiOkResponse({ type: TcsCorrectionDto })
  @ApiNotFoundResponse({ description: '`tcs-correction/not-found`' })
  get(@Param() p: TcsCorrectionIdParamDto): Promise<TcsCorrectionDto> {
    return this.corrections.get(p.correctionId);
  }

  @Post(':correctionId/approve')
  @HttpCode(200)
  @Can('approve', 'LedgerAdjustment')
  @ApiOperation({ summary: 'Approve a TCS correction and post the differences (checker)' })
  @ApiOkResponse({ type: TcsCorrectionDto })
  @ApiForbiddenResponse({ description: '`ledger/maker-checker` (the proposer)' })
  @ApiConflictResponse({ description: '`tcs-correction/not-pending`' })
  approve(
    @Param() p: TcsCorrectionIdParamDto,
    @Body() body: DecideTcsCorrectionDto,
    @Meta() meta: RequestMeta,
  ): Promise<TcsCorrectionDto> {
    return this.commands.execute(
      new ApproveTcsCorrectionCommand(p.correctionId, body.reason, meta),
    );
  }

  @Post(':correctionId/reject')
  @HttpCode(200)
  @Can('approve', 'LedgerAdjustment')
  @ApiOperation({ summary: 'Reject (or, its proposer, withdraw) a TCS correction' })
  @ApiOkResponse({ type: TcsCorrectionDto })
  @ApiConflictResponse({ description: '`tcs-correction/not-pending`' })
  reject(
    @Param() p: TcsCorrectionIdParamDto,
    @Body() body: ProposeTcsCorrectionDto,
    @Meta() meta: RequestMeta,
  ): Promise<TcsCorrectionDto> {
    return this.commands.execute(new RejectTcsCorrectionCommand(p.correctionId, body.reason, meta));
  }
}
