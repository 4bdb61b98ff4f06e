import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Can } from '../access/policy.decorator.js';
import { AppProblem } from '../common/errors/problem.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { MEDIA_BINARY_CONTENT, MEDIA_CONTENT_TYPES } from '../common/media/media-type.js';
import { ChatAttachments } from './chat-attachments.service.js';
import { ChatService } from './chat.service.js';
import type { PageAnchor } from './chat-store.js';
import {
  AttachmentQueryDto,
  ChatMessageDto,
  ChatReportDto,
  ChatReportPageDto,
  ChatReportsQueryDto,
  ChatPageDto,
  ChatRoomDto,
  ChatRoomListDto,
  HistoryQueryDto,
  MaskingInputDto,
  MessageIdParamDto,
  ReasonDto,
  ReceiptDto,
  ReceiptInputDto,
  ReportIdParamDto,
  ReportResultDto,
  ResolveReportDto,
  RoomParamDto,
  SendMessageDto,
  SendResultDto,
} from './dto/chat.dto.js';

function anchorOf(q: HistoryQueryDto): PageAnchor {
  const given = [q.before, q.after, q.around].filter((x) => x !== undefined).length;
  if (given > 1)
    throw new AppProblem(
      400,
      'chat/one-anchor',
      'Bad request',
      'Give at most one of before, after and around',
    );
  if (q.before !== undefined) return { before: q.before };
  if (q.after !== undefined) return { after: q.after };
  if (q.around !== undefined) return { around: q.around };
  return null;
}

/**
 * Chat over REST: the caller's rooms, a room's history, sending (the socket's code path), receipts,
 * reports and staff moderation. A room is `{kind}/{subjectId}`: a repair job (`job`) or a sub-order
 * (`sub_order`); a stranger to it gets 404.
 */
@ApiTags('chat')
@ApiBearerAuth()
@Controller('chat')
export class ChatController {
  constructor(
    private readonly chat: ChatService,
    private readonly attachments: ChatAttachments,
  ) {}

  @Get('rooms')
  @Can('read', 'ChatRoom')
  @ApiOperation({ summary: 'My chat rooms (my jobs and sub-orders; staff: the rooms they joined)' })
  async rooms(@Meta() meta: RequestMeta): Promise<ChatRoomListDto> {
    return { items: await this.chat.rooms(meta) };
  }

  @Get('rooms/:kind/:subjectId/messages')
  @Can('read', 'ChatRoom')
  @ApiOperation({
    summary:
      'A room’s messages, oldest first: the newest page, or the page before/after/around a seq',
  })
  history(
    @Param() p: RoomParamDto,
    @Query() q: HistoryQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<ChatPageDto> {
    return this.chat.history(meta, p, anchorOf(q), q.limit);
  }

  @Post('rooms/:kind/:subjectId/messages')
  @Can('create', 'ChatRoom')
  @ApiOperation({
    summary: 'Send a message (idempotent by clientMessageId; contact details masked)',
  })
  send(
    @Param() p: RoomParamDto,
    @Body() dto: SendMessageDto,
    @Meta() meta: RequestMeta,
  ): Promise<SendResultDto> {
    return this.chat.send(meta, p, dto);
  }

  /**
   * An image (JPEG, PNG, WebP; CHAT_IMAGE_MAX_BYTES) or a video (MP4, WebM; CHAT_VIDEO_MAX_BYTES) as
   * `multipart/form-data`: the `file` part, a `clientMessageId` field (idempotent as for text) and
   * an optional `caption` (masked like a text). The type is read from the bytes; an image is
   * decoded and stored re-encoded without metadata (no EXIF location) with a thumbnail, a video's
   * container must be whole.
   */
  @Post('rooms/:kind/:subjectId/attachments')
  @Can('create', 'ChatRoom')
  @ApiOperation({
    summary: 'Send an image or a video to a room (multipart: file, clientMessageId)',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    required: true,
    schema: {
      type: 'object',
      required: ['file', 'clientMessageId'],
      properties: {
        file: { type: 'string', format: 'binary' },
        clientMessageId: { type: 'string', maxLength: 64 },
        caption: { type: 'string' },
      },
    },
  })
  @ApiCreatedResponse({ type: SendResultDto })
  @ApiPayloadTooLargeResponse({ description: '`chat-attachment/too-large`' })
  @ApiUnsupportedMediaTypeResponse({ description: '`chat-attachment/unsupported-type`' })
  @ApiUnprocessableEntityResponse({
    description: '`media/undecodable`: not a whole image or video; `media/too-many-pixels`',
  })
  attach(
    @Param() p: RoomParamDto,
    @Req() request: FastifyRequest,
    @Meta() meta: RequestMeta,
  ): Promise<SendResultDto> {
    return this.attachments.send(meta, p, request.body);
  }

  /**
   * An attachment's bytes (or an image's thumbnail: `?thumbnail=true`) for the room's members and
   * staff (anyone else 404): ETag (If-None-Match → 304), one byte range (`Range: bytes=a-b`) → 206.
   */
  @Get('messages/:messageId/attachment')
  @Can('read', 'ChatRoom')
  @ApiOperation({ summary: 'Download a message’s attachment (Range requests for video)' })
  @ApiProduces(...MEDIA_CONTENT_TYPES)
  @ApiOkResponse({
    description: 'The whole file (or the thumbnail, image/jpeg)',
    content: MEDIA_BINARY_CONTENT,
  })
  @ApiResponse({
    status: 206,
    description: 'The requested byte range',
    content: MEDIA_BINARY_CONTENT,
  })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match matched the ETag)' })
  @ApiNotFoundResponse({ description: '`chat/message-not-found`, `chat-attachment/not-found`' })
  @ApiResponse({ status: 416, description: '`chat-attachment/range-not-satisfiable`' })
  @ApiHeader({ name: 'range', required: false, description: 'One byte range, e.g. `bytes=0-`' })
  @ApiHeader({ name: 'if-range', required: false, description: 'The ETag the range is for' })
  @ApiHeader({ name: 'if-none-match', required: false, description: 'A previous ETag' })
  async attachment(
    @Param() p: MessageIdParamDto,
    @Query() q: AttachmentQueryDto,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile | undefined> {
    const file = await this.attachments.download(meta, p.messageId, q.thumbnail === 'true', {
      range,
      ifRange,
      ifNoneMatch,
    });
    void reply.status(file.status).headers(file.headers);
    return file.body === null ? undefined : new StreamableFile(file.body);
  }

  @Post('rooms/:kind/:subjectId/receipts')
  @HttpCode(200)
  @Can('read', 'ChatRoom')
  @ApiOperation({ summary: 'Move my delivered and read receipts forward (never back)' })
  receipts(
    @Param() p: RoomParamDto,
    @Body() dto: ReceiptInputDto,
    @Meta() meta: RequestMeta,
  ): Promise<ReceiptDto> {
    return this.chat.receipt(meta, p, dto.deliveredSeq, dto.readSeq);
  }

  @Put('rooms/:kind/:subjectId/masking')
  @Can('update', 'ChatRoom')
  @ApiOperation({ summary: 'Staff: turn contact masking off or on in a room (a reason, audited)' })
  masking(
    @Param() p: RoomParamDto,
    @Body() dto: MaskingInputDto,
    @Meta() meta: RequestMeta,
  ): Promise<ChatRoomDto> {
    return this.chat.masking(meta, p, dto.masking, dto.reason);
  }

  @Post('messages/:messageId/report')
  @HttpCode(200)
  @Can('read', 'ChatRoom')
  @ApiOperation({ summary: 'Report a message of my room to staff' })
  report(
    @Param() p: MessageIdParamDto,
    @Body() dto: ReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<ReportResultDto> {
    return this.chat.report(meta, p.messageId, dto.reason);
  }

  @Post('messages/:messageId/hide')
  @HttpCode(200)
  @Can('update', 'ChatRoom')
  @ApiOperation({ summary: 'Staff: hide a message (a reason, audited; the original is kept)' })
  hide(
    @Param() p: MessageIdParamDto,
    @Body() dto: ReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<ChatMessageDto> {
    return this.chat.hide(meta, p.messageId, dto.reason);
  }
}

/** Staff: the queue of reported messages and their resolution. */
@ApiTags('chat')
@ApiBearerAuth()
@Controller('admin/chat')
export class AdminChatController {
  constructor(private readonly chat: ChatService) {}

  @Get('reports')
  @Can('read', 'ChatOps')
  @ApiOperation({
    summary: 'Reported messages: open reports first, each oldest first (or by status)',
  })
  reports(@Query() q: ChatReportsQueryDto): Promise<ChatReportPageDto> {
    return this.chat.reports(q);
  }

  @Post('reports/:id/resolve')
  @HttpCode(200)
  @Can('update', 'ChatOps')
  @ApiOperation({
    summary: 'Resolve a report: dismiss it, or hide the message (a reason, audited)',
    description:
      '`hide` hides the message as `POST /chat/messages/{messageId}/hide` does (409 `chat/already-hidden` when it is) and resolves its other open reports too. 404 `chat/report-not-found`; 409 `chat/report-resolved`.',
  })
  resolve(
    @Param() p: ReportIdParamDto,
    @Body() dto: ResolveReportDto,
    @Meta() meta: RequestMeta,
  ): Promise<ChatReportDto> {
    return this.chat.resolveReport(meta, p.id, dto.action, dto.reason);
  }
}
