import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { PushIncomingCall, RevokeCallsOfMovedJobs } from './call-handlers.js';
import { AdminCallsController, CallsController } from './calls.controller.js';
import { Calls } from './calls.service.js';
import { LiveKitWebhookBodyParser } from './livekit-webhook-body.parser.js';
import { LiveKitWebhookController } from './livekit-webhook.controller.js';
import { LiveKitWebhooks } from './livekit-webhooks.service.js';
import { LiveKit } from './livekit.js';

/** Calls of repair jobs through LiveKit, their logs from LiveKit's webhooks (README "Calls and push"). */
@Module({
  imports: [AuditModule, IdentityModule, NotificationsModule],
  controllers: [CallsController, AdminCallsController, LiveKitWebhookController],
  providers: [
    LiveKit,
    Calls,
    LiveKitWebhooks,
    LiveKitWebhookBodyParser,
    RevokeCallsOfMovedJobs,
    PushIncomingCall,
  ],
})
export class CallsModule {}
