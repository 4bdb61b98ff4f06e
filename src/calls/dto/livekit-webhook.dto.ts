export class LiveKitWebhookAckDto {
  received!: true;
  /** The event id was received before: nothing was done. */
  duplicate!: boolean;
}
