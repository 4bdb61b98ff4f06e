import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { AttachmentBodyParser } from './attachment-body.parser.js';
import { CallSignals } from './call-signals.js';
import { ChatAttachments } from './chat-attachments.service.js';
import { AdminChatController, ChatController } from './chat.controller.js';
import { ChatGateway } from './chat.gateway.js';
import { ChatPush } from './chat-push.js';
import { ChatService } from './chat.service.js';

/**
 * Job and order chat (README "Chat"): rooms, messages, receipts and reports in PostgreSQL, REST
 * history and moderation (staff's queue of reports and their resolution), and the `/chat` Socket.IO namespace on the API's HTTP server. Exports
 * `ChatPush` (`toUser`: live events to every socket of an account); forwards calls' events to their
 * recipients' sockets (`CallSignals`) and pushes new messages to the other parties' devices. Needs
 * DatabaseModule and AuditModule (global).
 */
@Module({
  imports: [IdentityModule, NotificationsModule, RateLimitModule, StorageModule],
  controllers: [ChatController, AdminChatController],
  providers: [
    ChatService,
    ChatAttachments,
    ChatPush,
    ChatGateway,
    AttachmentBodyParser,
    CallSignals,
  ],
  exports: [ChatPush],
})
export class ChatModule {}
