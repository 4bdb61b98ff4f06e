import { Logger } from '@nestjs/common';
import { Expo, type ExpoPushMessage } from 'expo-server-sdk';
import { PushSender, type PushMessage } from './push-sender.js';

/**
 * Expo's push service (`PUSH_PROVIDER=expo`): messages in Expo's chunks, high priority for calls.
 * A ticket's `DeviceNotRegistered` error marks its token stale (the app was uninstalled); other
 * errors are logged (push is best effort: the app reads the state when opened).
 */
export class ExpoPushSender extends PushSender {
  private readonly logger = new Logger('Push');
  private readonly expo: Expo;

  constructor(accessToken: string | undefined) {
    super();
    this.expo = new Expo(accessToken === undefined ? {} : { accessToken });
  }

  async send(messages: PushMessage[]): Promise<{ staleTokens: string[] }> {
    const valid = messages.filter((m) => Expo.isExpoPushToken(m.token));
    const staleTokens = messages.filter((m) => !valid.includes(m)).map((m) => m.token);
    const expoMessages: ExpoPushMessage[] = valid.map((m) => ({
      to: m.token,
      title: m.title,
      body: m.body,
      data: { ...m.data, category: m.category },
      priority: m.category === 'calls' || m.category === 'job_offers' ? 'high' : 'default',
      sound: 'default',
    }));
    let index = 0;
    for (const chunk of this.expo.chunkPushNotifications(expoMessages)) {
      try {
        const tickets = await this.expo.sendPushNotificationsAsync(chunk);
        tickets.forEach((ticket, i) => {
          if (ticket.status === 'ok') return;
          if (ticket.details?.error === 'DeviceNotRegistered')
            staleTokens.push(valid[index + i]!.token);
          else this.logger.warn(`Expo refused a push: ${ticket.details?.error ?? ticket.message}`);
        });
      } catch (err) {
        this.logger.warn(`Expo push failed: ${(err as Error).message}`);
      }
      index += chunk.length;
    }
    return { staleTokens };
  }
}
