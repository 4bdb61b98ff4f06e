import { Logger } from '@nestjs/common';
import { Expo, type ExpoPushMessage } from 'expo-server-sdk';
import { PushSender, type PushMessage, type PushTicket } from './push-sender.js';

/**
 * Expo's push service (`PUSH_PROVIDER=expo`): messages in Expo's chunks, high priority for calls.
 * A ticket's or a receipt's `DeviceNotRegistered` error marks its token stale (the app was
 * uninstalled); other errors are logged (push is best effort: the app reads the state when opened).
 * Receipts are Expo's word on delivery to Apple's and Google's services, ready minutes after the
 * push and kept for a day.
 */
export class ExpoPushSender extends PushSender {
  private readonly logger = new Logger('Push');
  private readonly expo: Expo;

  constructor(accessToken: string | undefined) {
    super();
    this.expo = new Expo(accessToken === undefined ? {} : { accessToken });
  }

  async send(messages: PushMessage[]): Promise<{ staleTokens: string[]; tickets: PushTicket[] }> {
    const valid = messages.filter((m) => Expo.isExpoPushToken(m.token));
    const staleTokens = messages.filter((m) => !valid.includes(m)).map((m) => m.token);
    const accepted: PushTicket[] = [];
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
          if (ticket.status === 'ok') {
            accepted.push({ id: ticket.id, token: valid[index + i]!.token });
            return;
          }
          if (ticket.details?.error === 'DeviceNotRegistered')
            staleTokens.push(valid[index + i]!.token);
          else this.logger.warn(`Expo refused a push: ${ticket.details?.error ?? ticket.message}`);
        });
      } catch (err) {
        this.logger.warn(`Expo push failed: ${(err as Error).message}`);
      }
      index += chunk.length;
    }
    return { staleTokens, tickets: accepted };
  }

  /** Throws when Expo cannot be asked (the caller's job retries); a missing receipt is `pending`. */
  async receipts(tickets: PushTicket[]): Promise<{ staleTokens: string[]; pending: PushTicket[] }> {
    const byId = new Map(tickets.map((t) => [t.id, t]));
    const staleTokens: string[] = [];
    const pending: PushTicket[] = [];
    for (const ids of this.expo.chunkPushNotificationReceiptIds([...byId.keys()])) {
      const receipts = await this.expo.getPushNotificationReceiptsAsync(ids);
      for (const id of ids) {
        const receipt = receipts[id];
        if (receipt === undefined) pending.push(byId.get(id)!);
        else if (receipt.status === 'error') {
          if (receipt.details?.error === 'DeviceNotRegistered')
            staleTokens.push(byId.get(id)!.token);
          else
            this.logger.warn(
              `Expo could not deliver a push: ${receipt.details?.error ?? receipt.message}`,
            );
        }
      }
    }
    return { staleTokens, pending };
  }
}
