import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { AppProblem } from '../common/errors/problem.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { ChatService } from './chat.service.js';
import type { PageAnchor } from './chat-store.js';
import {
  ChatMessageDto,
  ChatPageDto,
  ChatRoomDto,
  ChatRoomListDto,
  HistoryQueryDto,
  MaskingInputDto,
  MessageIdParamDto,
  ReasonDto,
  ReceiptDto,
  ReceiptInputDto,
  ReportResultDto,
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
  constructor(private readonly chat: ChatService) {}

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
