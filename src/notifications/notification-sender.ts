/** One e-mail or SMS the platform sends. */
export interface OutboundMessage {
  channel: 'email' | 'sms';
  /** An e-mail address or an E.164 phone number. */
  to: string;
  /** What the message is for (`password_reset`, `phone_verification`), for logs and the outbox. */
  purpose: string;
  /** E-mail only. */
  subject?: string;
  text: string;
  /** The one-time code inside `text`: logged in development only, never in test or production logs. */
  code?: string;
}

/**
 * The notification port: how e-mail and SMS leave the platform. Adapters: `LocalOutboxSender`
 * (a folder on this machine); a real provider (an e-mail API, an SMS gateway) implements the same.
 */
export abstract class NotificationSender {
  abstract send(message: OutboundMessage): Promise<void>;
}

/** `a***@example.in`, `+91******3210`: enough for a log reader to tell recipients apart, not to reach them. */
export function maskRecipient(to: string): string {
  const at = to.indexOf('@');
  if (at > 0) return `${to[0]}***${to.slice(at)}`;
  return `${to.slice(0, 3)}${'*'.repeat(Math.max(0, to.length - 7))}${to.slice(-4)}`;
}
