import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated, Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { SubOrderPathDto } from '../orders/dto/order.dto.js';
import { RepairJobIdParamDto } from '../repairs/dto/repair-job.dto.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import {
  DisputeDto,
  DisputeEvidenceParamDto,
  DisputeIdParamDto,
  DisputeListDto,
  DisputeQueryDto,
  DisputeResponseDto,
  OpenDisputeDto,
  OpenRepairDisputeDto,
  ResolveDisputeDto,
} from './dto/dispute.dto.js';
import { ResolveDisputeCommand } from './commands/resolve-dispute.command.js';
import { DisputesService } from './disputes.service.js';
import { MEDIA_BINARY_CONTENT, MEDIA_CONTENT_TYPES } from '../common/media/media-type.js';

/** The buyer opens a return or dispute; the parties add evidence and read it. */
@ApiTags('disputes')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller()
export class DisputesController {
  constructor(private readonly disputes: DisputesService) {}

  /**
   * Within the return window: the part delivered and ORDER_AUTO_COMPLETE_HOURS since delivery not
   * passed (`dispute` also once shipped); 409 `dispute/outside-window` otherwise,
   * `dispute/already-open` when one is open. The part's escrow waits until staff resolve it.
   */
  @Post('orders/:orderId/sub-orders/:subOrderId/disputes')
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Open a return or dispute of a part of my order' })
  @ApiCreatedResponse({ type: DisputeDto })
  @ApiConflictResponse({ description: '`dispute/outside-window`, `dispute/already-open`' })
  open(
    @Param() p: SubOrderPathDto,
    @Body() dto: OpenDisputeDto,
    @Meta() meta: RequestMeta,
  ): Promise<DisputeDto> {
    return this.disputes.open(p.orderId, p.subOrderId, dto, meta);
  }

  /**
   * The customer, once the technician marked the repair done and until its confirmation window
   * (REPAIR_CONFIRM_WINDOW_HOURS) passes; 409 `dispute/outside-window` otherwise,
   * `dispute/already-open` when one is open; another's repair 404. The job is `disputed` (not
   * confirmed, its escrow not released) until staff resolve it.
   */
  @Post('repairs/:repairJobId/disputes')
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Dispute my repair (done, within its confirmation window)' })
  @ApiCreatedResponse({ type: DisputeDto })
  @ApiNotFoundResponse({ description: '`repair-job/not-found`' })
  @ApiConflictResponse({ description: '`dispute/outside-window`, `dispute/already-open`' })
  openForRepairJob(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: OpenRepairDisputeDto,
    @Meta() meta: RequestMeta,
  ): Promise<DisputeDto> {
    return this.disputes.openForRepairJob(p.repairJobId, dto, meta);
  }

  /**
   * The returns and disputes the caller is a party to — as the buyer, as the disputed part's dealer
   * or as the disputed repair's technician —, with the staff list's filters: how the app finds a
   * part's or a repair's dispute and follows it to its outcome.
   */
  @Get('disputes')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'The returns and disputes I am a party to, newest first' })
  @ApiOkResponse({ type: DisputeListDto })
  mine(@Query() q: DisputeQueryDto, @Meta() meta: RequestMeta): Promise<DisputeListDto> {
    return this.disputes.list(q, meta.principal!.userId);
  }

  /** The buyer, the part's dealer or the repair's technician, or staff; anyone else gets 404. */
  @Get('disputes/:id')
  @Authenticated()
  @ApiOperation({ summary: 'A return or dispute (its parties and staff)' })
  @ApiOkResponse({ type: DisputeDto })
  @ApiNotFoundResponse({ description: '`dispute/not-found`' })
  get(@Param() p: DisputeIdParamDto, @Meta() meta: RequestMeta): Promise<DisputeDto> {
    return this.disputes.get(p.id, meta);
  }

  /**
   * A photo (image/jpeg, image/png, image/webp; DISPUTE_IMAGE_MAX_BYTES) or a video (video/mp4,
   * video/webm; DISPUTE_VIDEO_MAX_BYTES) as the raw body, from the buyer, the dealer or staff, while
   * the dispute is not resolved, at most DISPUTE_EVIDENCE_MAX files. The type is checked against
   * the bytes, then the file is read whole: a photo is decoded and stored re-encoded (upright, no
   * metadata), a video's container must be complete (422 `media/undecodable`, `media/too-many-pixels`).
   */
  @Post('disputes/:id/evidence')
  @Authenticated()
  @ApiOperation({ summary: 'Add a photo or video to a return or dispute (raw bytes)' })
  @ApiConsumes(...MEDIA_CONTENT_TYPES)
  @ApiBody({ required: true, schema: { type: 'string', format: 'binary' } })
  @ApiCreatedResponse({ type: DisputeDto })
  @ApiPayloadTooLargeResponse({ description: '`dispute-evidence/too-large`' })
  @ApiUnsupportedMediaTypeResponse({ description: '`dispute-evidence/unsupported-type`' })
  @ApiUnprocessableEntityResponse({
    description:
      '`media/undecodable`: not a whole photo or video; `media/too-many-pixels`: more than MEDIA_IMAGE_MAX_PIXELS pixels',
  })
  @ApiConflictResponse({ description: '`dispute/resolved`, `dispute-evidence/too-many`' })
  addEvidence(
    @Param() p: DisputeIdParamDto,
    @Req() request: FastifyRequest,
    @Meta() meta: RequestMeta,
  ): Promise<DisputeDto> {
    return this.disputes.addEvidence(p.id, request.headers['content-type'], request.body, meta);
  }

  /**
   * The bytes of a photo or video, for whoever may read the dispute (anyone else 404, as
   * `GET /disputes/{id}`): its Content-Type, `ETag: "<sha256>"` (If-None-Match → 304), a private
   * Cache-Control, `Content-Disposition: inline`. One byte range (`Range: bytes=a-b`, `bytes=a-`,
   * `bytes=-n`, honoured with If-Range only when it is the ETag) → 206 with Content-Range; a range
   * past the end → 416 with `Content-Range: bytes *` + `/<size>`; several ranges → the whole file.
   */
  @Get('disputes/:id/evidence/:evidenceId')
  @Authenticated()
  @ApiOperation({ summary: 'Download a photo or video of a return or dispute' })
  @ApiProduces(...MEDIA_CONTENT_TYPES)
  @ApiOkResponse({ description: 'The whole file', content: MEDIA_BINARY_CONTENT })
  @ApiResponse({
    status: 206,
    description: 'The requested byte range',
    content: MEDIA_BINARY_CONTENT,
  })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match matched the ETag)' })
  @ApiNotFoundResponse({ description: '`dispute/not-found`, `dispute-evidence/not-found`' })
  @ApiResponse({ status: 416, description: '`dispute-evidence/range-not-satisfiable`' })
  @ApiServiceUnavailableResponse({ description: '`storage/unavailable` (Retry-After)' })
  @ApiHeader({ name: 'range', required: false, description: 'One byte range, e.g. `bytes=0-`' })
  @ApiHeader({ name: 'if-range', required: false, description: 'The ETag the range is for' })
  @ApiHeader({ name: 'if-none-match', required: false, description: 'A previous ETag' })
  async evidence(
    @Param() p: DisputeEvidenceParamDto,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile | undefined> {
    const file = await this.disputes.evidenceFile(
      p.id,
      p.evidenceId,
      { range, ifRange, ifNoneMatch },
      meta,
    );
    void reply.status(file.status).headers(file.headers);
    return file.body === null ? undefined : new StreamableFile(file.body);
  }
}

/** The dealer of the disputed part answers. */
@ApiTags('disputes')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('dealer/disputes')
export class DealerDisputesController {
  constructor(private readonly disputes: DisputesService) {}

  @Post(':id/respond')
  @HttpCode(200)
  @Can('update', 'SubOrder')
  @ApiOperation({ summary: 'Respond to a return or dispute of my part' })
  @ApiOkResponse({ type: DisputeDto })
  @ApiConflictResponse({ description: '`dispute/resolved`' })
  respond(
    @Param() p: DisputeIdParamDto,
    @Body() dto: DisputeResponseDto,
    @Meta() meta: RequestMeta,
  ): Promise<DisputeDto> {
    return this.disputes.respond(p.id, 'dealer', dto.message, meta);
  }
}

/** The technician of the disputed repair answers. */
@ApiTags('disputes')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('technician/disputes')
export class TechnicianDisputesController {
  constructor(private readonly disputes: DisputesService) {}

  @Post(':id/respond')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({ summary: 'Respond to a dispute of my repair' })
  @ApiOkResponse({ type: DisputeDto })
  @ApiNotFoundResponse({ description: '`dispute/not-found`' })
  @ApiConflictResponse({ description: '`dispute/resolved`' })
  respond(
    @Param() p: DisputeIdParamDto,
    @Body() dto: DisputeResponseDto,
    @Meta() meta: RequestMeta,
  ): Promise<DisputeDto> {
    return this.disputes.respond(p.id, 'technician', dto.message, meta);
  }
}

/** Staff: the queue and the resolution (audited). */
@ApiTags('disputes')
@ApiBearerAuth()
@Controller('admin/disputes')
export class AdminDisputesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly disputes: DisputesService,
  ) {}

  /**
   * `status` takes one or more of `open` (waiting for the dealer), `responded` (the dealer answered,
   * waiting for staff) and `resolved`, repeated or comma-separated: `status=open,responded` is every
   * dispute still to be resolved. `subject` (`order` or `repair`), `orderId` and `repairJobId`
   * narrow it to the disputes of parts or of repair jobs, of one order or of one job; filters add
   * up (`subject=order&repairJobId=…` finds none).
   */
  @Get()
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: 'Returns and disputes, newest first' })
  @ApiOkResponse({ type: DisputeListDto })
  list(@Query() q: DisputeQueryDto): Promise<DisputeListDto> {
    return this.disputes.list(q);
  }

  /**
   * `release` (the part completes; its escrow is released to the dealer), `full_refund` (the part
   * is cancelled; its whole hold is refunded), `partial_refund` with `refundPaise` (released to the
   * dealer less the refund, which goes back to the buyer). A repair's dispute alike: the job is
   * confirmed and its escrow released to the technician (less `refundPaise`), or it is cancelled and
   * refunded in full. 409 `dispute/escrow-not-held` when the escrow is not held.
   */
  @Post(':id/resolve')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: 'Resolve a return or dispute' })
  @ApiOkResponse({ type: DisputeDto })
  @ApiConflictResponse({ description: '`dispute/resolved`, `dispute/escrow-not-held`' })
  resolve(
    @Param() p: DisputeIdParamDto,
    @Body() dto: ResolveDisputeDto,
    @Meta() meta: RequestMeta,
  ): Promise<DisputeDto> {
    return this.commands.execute(new ResolveDisputeCommand(p.id, dto, meta));
  }
}
