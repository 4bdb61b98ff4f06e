/** What a push is about; each is a per-user preference (on unless turned off). */
export const PUSH_CATEGORIES = ['messages', 'calls', 'job_offers', 'orders', 'payments'] as const;
export type PushCategory = (typeof PUSH_CATEGORIES)[number];

/** What the app shows, and the data it acts on when tapped (ids, never personal data). */
export interface PushContent {
  title: string;
  body: string;
  data: Record<string, string>;
}

/** One push to one device. */
export interface PushMessage extends PushContent {
  userId: string;
  /** The device's Expo push token. */
  token: string;
  category: PushCategory;
}

/** A push the provider accepted: its ticket, whose receipt says later whether it was delivered. */
export interface PushTicket {
  id: string;
  token: string;
}

/**
 * The push port: how push notifications leave the platform. Adapters: `LocalPushOutbox` (the
 * push_outbox table; nothing leaves the machine) and `ExpoPushSender` (Expo's push service).
 * `send` returns the tokens the provider says no longer exist (uninstalled apps), for the caller to
 * drop, and the tickets of what it accepted; `receipts` asks later what became of those: tokens
 * found gone by then, and the tickets it has no receipt for yet.
 */
export abstract class PushSender {
  abstract send(messages: PushMessage[]): Promise<{ staleTokens: string[]; tickets: PushTicket[] }>;
  abstract receipts(
    tickets: PushTicket[],
  ): Promise<{ staleTokens: string[]; pending: PushTicket[] }>;
}
