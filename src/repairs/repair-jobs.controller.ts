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
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Can } from '../access/policy.decorator.js';
import { MEDIA_BINARY_CONTENT, MEDIA_CONTENT_TYPES } from '../common/media/media-type.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import {
  AssignRepairJobDto,
  CancelRepairJobDto,
  CreateRepairJobDto,
  CreateRepairQuoteDto,
  DecideRepairQuoteDto,
  ReassignRepairJobDto,
  RepairJobDto,
  RepairJobIdParamDto,
  RepairJobPageDto,
  RepairJobQueryDto,
  RepairJobViewDto,
  StaffRepairJobQueryDto,
  RepairJobReasonDto,
  RepairMediaDto,
  RepairMediaParamDto,
  RepairQuoteDto,
  RepairTimelineEntryDto,
  StaffCancelRepairJobDto,
} from './dto/repair-job.dto.js';
import { RepairJobs } from './repair-jobs.service.js';
import { RepairMedia } from './repair-media.service.js';

const mine = (meta: RequestMeta) => ({ customerId: meta.principal!.userId });
const assignedToMe = (meta: RequestMeta) => ({ technicianId: meta.principal!.userId });

/**
 * The customer's side of a repair: request it, follow it, decide the technician's quote (and its
 * supplementary quotes while working), pay it (`POST /repairs/{id}/payments`, src/payments/: what is
 * due now), confirm the work, or cancel.
 */
@ApiTags('repairs')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('repairs')
export class RepairJobsController {
  constructor(
    private readonly jobs: RepairJobs,
    private readonly media: RepairMedia,
  ) {}

  @Post()
  @Can('create', 'Purchase')
  @ApiOperation({ summary: 'Request a repair (it waits for a technician)' })
  create(@Body() dto: CreateRepairJobDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.jobs.create(dto, meta);
  }

  @Get()
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'My repairs, newest first' })
  list(@Query() q: RepairJobQueryDto, @Meta() meta: RequestMeta): Promise<RepairJobPageDto> {
    return this.jobs.list(q, mine(meta));
  }

  @Get(':repairJobId')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'My repair, with its quotes and what was paid' })
  get(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobViewDto> {
    return this.jobs.get(p.repairJobId, mine(meta));
  }

  @Get(':repairJobId/quotes')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: "My repair's quotes, newest first" })
  quotes(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairQuoteDto[]> {
    return this.jobs.quotes(p.repairJobId, mine(meta));
  }

  @Get(':repairJobId/timeline')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: "My repair's status timeline, oldest first" })
  timeline(
    @Param() p: RepairJobIdParamDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairTimelineEntryDto[]> {
    return this.jobs.timeline(p.repairJobId, mine(meta));
  }

  @Post(':repairJobId/quote/approve')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Approve the proposed quote (its total is then to be paid)' })
  approveQuote(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: DecideRepairQuoteDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.approveQuote(p.repairJobId, dto.quoteId, meta);
  }

  @Post(':repairJobId/quote/reject')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Reject the proposed quote (the technician may quote again)' })
  rejectQuote(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: DecideRepairQuoteDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.rejectQuote(p.repairJobId, dto.quoteId, dto.reason ?? null, meta);
  }

  @Post(':repairJobId/supplements/approve')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({
    summary:
      'Approve the proposed supplementary quote of my repair in progress (its total is then to be paid)',
  })
  approveSupplement(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: DecideRepairQuoteDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.approveSupplement(p.repairJobId, dto.quoteId, meta);
  }

  @Post(':repairJobId/supplements/decline')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({
    summary: 'Decline the proposed supplementary quote (the work goes on with what was paid)',
  })
  declineSupplement(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: DecideRepairQuoteDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.declineSupplement(p.repairJobId, dto.quoteId, dto.reason ?? null, meta);
  }

  @Post(':repairJobId/cancel')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({
    summary:
      'Cancel my repair: free before paying; once paid, refunded in full, less the visit fee once the technician came',
  })
  cancel(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: CancelRepairJobDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.cancel(p.repairJobId, dto.reason ?? null, meta);
  }

  @Post(':repairJobId/confirm')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Confirm the repair is done (the technician is then paid)' })
  confirm(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.jobs.confirm(p.repairJobId, meta);
  }

  /**
   * A photo (image/jpeg, image/png, image/webp; REPAIR_MEDIA_IMAGE_MAX_BYTES) or a video
   * (video/mp4, video/webm; REPAIR_MEDIA_VIDEO_MAX_BYTES) of my repair as the raw body, while the
   * job is neither closed nor cancelled, at most REPAIR_MEDIA_MAX files. The type is checked against
   * the bytes, then the file is read whole: a photo is stored re-encoded (upright, no metadata such
   * as its EXIF GPS position), a video's container must be complete.
   */
  @Post(':repairJobId/media')
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Attach a photo or video to my repair (raw bytes)' })
  @ApiConsumes(...MEDIA_CONTENT_TYPES)
  @ApiBody({ required: true, schema: { type: 'string', format: 'binary' } })
  @ApiCreatedResponse({ type: RepairMediaDto })
  @ApiPayloadTooLargeResponse({ description: '`repair-media/too-large`' })
  @ApiUnsupportedMediaTypeResponse({ description: '`repair-media/unsupported-type`' })
  @ApiUnprocessableEntityResponse({
    description:
      '`media/undecodable`: not a whole photo or video; `media/too-many-pixels`: more than MEDIA_IMAGE_MAX_PIXELS pixels',
  })
  @ApiConflictResponse({ description: '`repair-media/job-closed`, `repair-media/too-many`' })
  @ApiServiceUnavailableResponse({ description: '`storage/unavailable` (Retry-After)' })
  addMedia(
    @Param() p: RepairJobIdParamDto,
    @Req() request: FastifyRequest,
    @Meta() meta: RequestMeta,
  ): Promise<RepairMediaDto> {
    return this.media.add(p.repairJobId, request.headers['content-type'], request.body, meta);
  }

  /** The job's customer, its current technician or staff; anyone else gets 404. */
  @Get(':repairJobId/media')
  @Can('read', 'RepairMedia')
  @ApiOperation({ summary: "A repair's photos and videos, oldest first (its parties and staff)" })
  @ApiOkResponse({ type: [RepairMediaDto] })
  @ApiNotFoundResponse({ description: '`repair-job/not-found`' })
  listMedia(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairMediaDto[]> {
    return this.media.list(p.repairJobId, meta);
  }

  /**
   * The bytes of a photo or video, for the job's customer, its current technician or staff (anyone
   * else 404): its Content-Type, `ETag: "<sha256>"` (If-None-Match → 304), a private Cache-Control,
   * one byte range (→ 206 with Content-Range; past the end → 416), as dispute evidence is served.
   */
  @Get(':repairJobId/media/:mediaId')
  @Can('read', 'RepairMedia')
  @ApiOperation({ summary: 'Download a photo or video of a repair' })
  @ApiProduces(...MEDIA_CONTENT_TYPES)
  @ApiOkResponse({ description: 'The whole file', content: MEDIA_BINARY_CONTENT })
  @ApiResponse({
    status: 206,
    description: 'The requested byte range',
    content: MEDIA_BINARY_CONTENT,
  })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match matched the ETag)' })
  @ApiNotFoundResponse({ description: '`repair-job/not-found`, `repair-media/not-found`' })
  @ApiResponse({ status: 416, description: '`repair-media/range-not-satisfiable`' })
  @ApiServiceUnavailableResponse({ description: '`storage/unavailable` (Retry-After)' })
  @ApiHeader({ name: 'range', required: false, description: 'One byte range, e.g. `bytes=0-`' })
  @ApiHeader({ name: 'if-range', required: false, description: 'The ETag the range is for' })
  @ApiHeader({ name: 'if-none-match', required: false, description: 'A previous ETag' })
  async mediaFile(
    @Param() p: RepairMediaParamDto,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile | undefined> {
    const file = await this.media.download(
      p.repairJobId,
      p.mediaId,
      { range, ifRange, ifNoneMatch },
      meta,
    );
    void reply.status(file.status).headers(file.headers);
    return file.body === null ? undefined : new StreamableFile(file.body);
  }
}

/**
 * The assigned technician's side: its jobs, travel, diagnosis, quotes (and supplementary quotes while
 * working), done, or give it back.
 */
@ApiTags('repairs')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('technician/repairs')
export class TechnicianRepairJobsController {
  constructor(private readonly jobs: RepairJobs) {}

  @Get()
  @Can('read', 'RepairWork')
  @ApiOperation({ summary: 'Repairs assigned to me, newest first' })
  list(@Query() q: RepairJobQueryDto, @Meta() meta: RequestMeta): Promise<RepairJobPageDto> {
    return this.jobs.list(q, assignedToMe(meta));
  }

  @Get(':repairJobId')
  @Can('read', 'RepairWork')
  @ApiOperation({ summary: 'A repair assigned to me, with its quotes and what was paid' })
  get(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobViewDto> {
    return this.jobs.get(p.repairJobId, assignedToMe(meta));
  }

  @Get(':repairJobId/quotes')
  @Can('read', 'RepairWork')
  @ApiOperation({ summary: "A repair's quotes, newest first" })
  quotes(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairQuoteDto[]> {
    return this.jobs.quotes(p.repairJobId, assignedToMe(meta));
  }

  @Get(':repairJobId/timeline')
  @Can('read', 'RepairWork')
  @ApiOperation({ summary: "A repair's status timeline, oldest first" })
  timeline(
    @Param() p: RepairJobIdParamDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairTimelineEntryDto[]> {
    return this.jobs.timeline(p.repairJobId, assignedToMe(meta));
  }

  @Post(':repairJobId/depart')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({ summary: 'On my way (offline repairs)' })
  depart(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.jobs.step(p.repairJobId, 'depart', meta);
  }

  @Post(':repairJobId/arrive')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({ summary: 'Arrived at the customer (offline repairs)' })
  arrive(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.jobs.step(p.repairJobId, 'arrive', meta);
  }

  @Post(':repairJobId/diagnose')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({ summary: 'Start diagnosing' })
  diagnose(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.jobs.step(p.repairJobId, 'diagnose', meta);
  }

  @Post(':repairJobId/quotes')
  @Can('update', 'RepairWork')
  @ApiOperation({ summary: 'Quote the repair (labour and parts lines at my GST rates)' })
  quote(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: CreateRepairQuoteDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairQuoteDto> {
    return this.jobs.quote(p.repairJobId, dto, meta);
  }

  @Post(':repairJobId/supplements')
  @Can('update', 'RepairWork')
  @ApiOperation({
    summary:
      'Quote more work on a paid repair in progress (a supplementary quote, paid on top once approved)',
  })
  supplement(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: CreateRepairQuoteDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairQuoteDto> {
    return this.jobs.supplement(p.repairJobId, dto, meta);
  }

  @Post(':repairJobId/supplements/withdraw')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({
    summary:
      'Withdraw the approved supplementary quote the customer has not paid (with a reason): the repair can then be finished with what was paid',
  })
  withdrawSupplement(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: RepairJobReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.withdrawSupplement(p.repairJobId, dto.reason, meta);
  }

  @Post(':repairJobId/finish')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({
    summary: 'The work is done (the customer then confirms; not while a supplement is unpaid)',
  })
  finish(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.jobs.step(p.repairJobId, 'finish', meta);
  }

  @Post(':repairJobId/cancel')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({
    summary: 'Cancel a paid repair (with a reason): its customer is refunded in full',
  })
  cancel(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: RepairJobReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.technicianCancel(p.repairJobId, dto.reason, meta);
  }

  @Post(':repairJobId/withdraw')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({ summary: 'Give an unpaid repair back (with a reason)' })
  withdraw(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: RepairJobReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.withdraw(p.repairJobId, dto.reason, meta);
  }
}

/** Staff: the queue and search, assignment, reassignment, cancellation and confirmation (audited). */
@ApiTags('repairs')
@ApiBearerAuth()
@Controller('admin/repairs')
export class AdminRepairJobsController {
  constructor(private readonly jobs: RepairJobs) {}

  @Get()
  @Can('read', 'RepairJob')
  @ApiOperation({
    summary: 'Search repairs, newest first (status=awaiting_assignment: the queue)',
  })
  list(@Query() q: StaffRepairJobQueryDto): Promise<RepairJobPageDto> {
    return this.jobs.list(q, 'any');
  }

  @Get(':repairJobId')
  @Can('read', 'RepairJob')
  @ApiOperation({ summary: 'A repair, with its quotes and what was paid' })
  get(@Param() p: RepairJobIdParamDto): Promise<RepairJobViewDto> {
    return this.jobs.get(p.repairJobId, 'any');
  }

  @Get(':repairJobId/quotes')
  @Can('read', 'RepairJob')
  @ApiOperation({ summary: "A repair's quotes, newest first" })
  quotes(@Param() p: RepairJobIdParamDto): Promise<RepairQuoteDto[]> {
    return this.jobs.quotes(p.repairJobId, 'any');
  }

  @Get(':repairJobId/timeline')
  @Can('read', 'RepairJob')
  @ApiOperation({ summary: "A repair's status timeline with reasons, oldest first" })
  timeline(@Param() p: RepairJobIdParamDto): Promise<RepairTimelineEntryDto[]> {
    return this.jobs.timeline(p.repairJobId, 'any');
  }

  @Post(':repairJobId/assign')
  @HttpCode(200)
  @Can('update', 'RepairJob')
  @ApiOperation({ summary: 'Assign a waiting repair to a technician of its kind (audited)' })
  assign(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: AssignRepairJobDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.assign(p.repairJobId, dto.technicianId, meta);
  }

  @Post(':repairJobId/reassign')
  @HttpCode(200)
  @Can('override', 'RepairJob')
  @ApiOperation({ summary: 'Move an unpaid repair to another technician (ops leader, reason)' })
  reassign(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: ReassignRepairJobDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.reassign(p.repairJobId, dto.technicianId, dto.reason, meta);
  }

  @Post(':repairJobId/cancel')
  @HttpCode(200)
  @Can('update', 'RepairJob')
  @ApiOperation({
    summary:
      'Cancel a repair (reason, audited); a paid one refunded, keeping or waiving the visit fee',
  })
  cancel(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: StaffCancelRepairJobDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.staffCancel(p.repairJobId, dto.reason, dto.visitFee, meta);
  }

  @Post(':repairJobId/supplements/withdraw')
  @HttpCode(200)
  @Can('update', 'RepairJob')
  @ApiOperation({
    summary: "Withdraw a repair's unpaid supplementary quote (reason, audited)",
  })
  withdrawSupplement(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: RepairJobReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.staffWithdrawSupplement(p.repairJobId, dto.reason, meta);
  }

  @Post(':repairJobId/confirm')
  @HttpCode(200)
  @Can('update', 'RepairJob')
  @ApiOperation({ summary: 'Confirm a done repair for its customer (reason, audited)' })
  confirm(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: RepairJobReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.staffConfirm(p.repairJobId, dto.reason, meta);
  }
}
