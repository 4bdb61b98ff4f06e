import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { PushOrderProgress, PushRepairOffer, PushRepairPaid } from './push-triggers.js';

/** Push notifications for offers, orders and payments (`push-triggers.ts` lists them). */
@Module({
  imports: [NotificationsModule],
  providers: [PushRepairOffer, PushOrderProgress, PushRepairPaid],
})
export class PushTriggersModule {}
