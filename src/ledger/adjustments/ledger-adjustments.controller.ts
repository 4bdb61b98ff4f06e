import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import {
  AdjustmentIdParamDto,
  AdjustmentQueryDto,
  ApproveAdjustmentDto,
  LedgerAdjustmentDto,
  LedgerAdjustmentPageDto,
  ProposeAdjustmentDto,
  RejectAdjustmentDto,
} from '../dto/ledger-adjustment.dto.js';
import { ApproveAdjustmentCommand } from '../commands/approve-adjustment.command.js';
import { ProposeAdjustmentCommand } from '../commands/propose-adjustment.command.js';
import { RejectAdjustmentCommand } from '../commands/reject-adjustment.command.js';
import { LedgerAdjustmentsService } from './ledger-adjustments.service.js';

/**
 * Manual ledger entries under maker-checker: finance proposes, a different finance user approves
 * (posting the entry) or rejects; the proposer may withdraw (reject) their own. Every decision is
 * audited in the same transaction.
 */
@ApiTags('ledger')
@ApiBearerAuth()
@Controller('ledger/adjustments')
export class LedgerAdjustmentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly adjustments: LedgerAdjustmentsService,
  ) {}

  /**
   * Proposes a balanced entry. Refused with the ledger's result code (`ledger/unbalanced`,
   * `ledger/account-not-found`, …) if it could never post; nothing is stored then.
   */
  @Post()
  @Can('create', 'LedgerAdjustment')
  @ApiOperation({ summary: 'Propose a manual adjustment (maker)' })
  propose(
    @Body() dto: ProposeAdjustmentDto,
    @Meta() meta: RequestMeta,
  ): Promise<LedgerAdjustmentDto> {
    return this.commands.execute(new ProposeAdjustmentCommand(dto, meta));
  }

  /** Proposals oldest first; `status=proposed` is the approval queue. */
  @Get()
  @Can('read', 'LedgerAdjustment')
  @ApiOperation({ summary: 'List manual adjustments' })
  list(@Query() q: AdjustmentQueryDto): Promise<LedgerAdjustmentPageDto> {
    return this.adjustments.list(q.status, q.limit, q.cursor);
  }

  @Get(':adjustmentId')
  @Can('read', 'LedgerAdjustment')
  @ApiOperation({ summary: 'A manual adjustment' })
  get(@Param() p: AdjustmentIdParamDto): Promise<LedgerAdjustmentDto> {
    return this.adjustments.get(p.adjustmentId);
  }

  /**
   * Approves (checker, never the proposer) and posts the entry `adjustment:<id>`. 409
   * `ledger/adjustment-not-pending` once decided (with `entryId` if approved); a ledger refusal
   * (e.g. `ledger/exceeds-credits`) leaves the proposal `proposed`.
   */
  @Post(':adjustmentId/approve')
  @HttpCode(200)
  @Can('approve', 'LedgerAdjustment')
  @ApiOperation({ summary: 'Approve a manual adjustment and post it (checker)' })
  approve(
    @Param() p: AdjustmentIdParamDto,
    @Body() body: ApproveAdjustmentDto,
    @Meta() meta: RequestMeta,
  ): Promise<LedgerAdjustmentDto> {
    return this.commands.execute(new ApproveAdjustmentCommand(p.adjustmentId, body.reason, meta));
  }

  /** Rejects a proposal (another finance user) or withdraws it (its proposer). Nothing is posted. */
  @Post(':adjustmentId/reject')
  @HttpCode(200)
  @Can('approve', 'LedgerAdjustment')
  @ApiOperation({ summary: 'Reject or withdraw a manual adjustment' })
  reject(
    @Param() p: AdjustmentIdParamDto,
    @Body() body: RejectAdjustmentDto,
    @Meta() meta: RequestMeta,
  ): Promise<LedgerAdjustmentDto> {
    return this.commands.execute(new RejectAdjustmentCommand(p.adjustmentId, body.reason, meta));
  }
}
