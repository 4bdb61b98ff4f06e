import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TransactionRunner } from '../database/transaction.js';
import { ExpoPushSender } from './expo-push.sender.js';
import { LocalOutboxSender } from './local-outbox.sender.js';
import { LocalPushOutbox } from './local-push-outbox.sender.js';
import { NotificationSender } from './notification-sender.js';
import { PushController } from './push.controller.js';
import { PushSender } from './push-sender.js';
import { Push } from './push.service.js';

/**
 * Provides the NotificationSender port (e-mail, SMS) and the PushSender port with `Push`, the push
 * service other modules call. `local` is the only e-mail/SMS adapter so far; configuration refuses it
 * in production unless NOTIFICATIONS_LOCAL_IN_PRODUCTION=true (src/config/app-config.ts). Pushes go
 * to the push_outbox table unless PUSH_PROVIDER=expo.
 */
@Module({
  controllers: [PushController],
  providers: [
    {
      provide: NotificationSender,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new LocalOutboxSender(config.notifications.outboxDir, config.env === 'development'),
    },
    {
      provide: PushSender,
      inject: [APP_CONFIG, TransactionRunner],
      useFactory: (config: AppConfig, transactions: TransactionRunner) =>
        config.push.provider === 'expo'
          ? new ExpoPushSender(config.push.expoAccessToken)
          : new LocalPushOutbox(transactions),
    },
    Push,
  ],
  exports: [NotificationSender, Push],
})
export class NotificationsModule {}
