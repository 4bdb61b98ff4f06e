import { Inject, Injectable } from '@nestjs/common';
import {
  AccessToken,
  RoomServiceClient,
  TrackSource,
  TwirpError,
  WebhookReceiver,
  type WebhookEvent,
} from 'livekit-server-sdk';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** A participant's token lives this long: enough to connect, not to be replayed later. */
export const CALL_TOKEN_TTL_SECONDS = 600;

/** A call is its two parties plus at most this many staff who joined it. */
export const CALL_MAX_STAFF = 2;

export type CallKind = 'audio' | 'video';

/**
 * The LiveKit server behind calls (livekit-server-sdk): rooms through RoomServiceClient, participant
 * tokens through AccessToken, webhooks through WebhookReceiver. Configured by LIVEKIT_URL,
 * LIVEKIT_API_KEY and LIVEKIT_API_SECRET (the local stand-in's outside production).
 */
@Injectable()
export class LiveKit {
  private readonly rooms: RoomServiceClient;
  private readonly receiver: WebhookReceiver;
  readonly url: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { url, apiKey, apiSecret } = config.calls.livekit;
    this.url = url;
    this.rooms = new RoomServiceClient(url, apiKey, apiSecret, { requestTimeout: 10 });
    this.receiver = new WebhookReceiver(apiKey, apiSecret);
  }

  /** Creates the call's room: empty for at most the ring time and a minute, two parties and staff. */
  async createRoom(name: string): Promise<void> {
    await this.rooms.createRoom({
      name,
      emptyTimeout: this.config.calls.ringSeconds + 60,
      maxParticipants: 2 + CALL_MAX_STAFF,
    });
  }

  /** Closes the room (everyone in it is disconnected); a room already gone is not an error. */
  async closeRoom(name: string): Promise<void> {
    await ignoreNotFound(this.rooms.deleteRoom(name));
  }

  /** Disconnects one participant; one not in the room is not an error. */
  async removeParticipant(room: string, identity: string): Promise<void> {
    await ignoreNotFound(this.rooms.removeParticipant(room, identity));
  }

  /**
   * A participant's token with the least grants: join this room only, publish the call's media
   * (microphone; camera too for video) and subscribe, no data channel, no admin; visible (`hidden`
   * false, staff included); identity our user id, name the display name; 10 minutes.
   */
  token(p: { room: string; userId: string; name: string; kind: CallKind }): Promise<string> {
    const at = new AccessToken(
      this.config.calls.livekit.apiKey,
      this.config.calls.livekit.apiSecret,
      {
        identity: p.userId,
        name: p.name,
        ttl: CALL_TOKEN_TTL_SECONDS,
      },
    );
    at.addGrant({
      roomJoin: true,
      room: p.room,
      canPublish: true,
      canSubscribe: true,
      canPublishData: false,
      canPublishSources:
        p.kind === 'video'
          ? [TrackSource.MICROPHONE, TrackSource.CAMERA]
          : [TrackSource.MICROPHONE],
      hidden: false,
    });
    return at.toJwt();
  }

  /** A webhook's event, once its `Authorization` JWT and the body's sha256 in it check out (throws otherwise). */
  receive(body: string, authorization: string | undefined): Promise<WebhookEvent> {
    return this.receiver.receive(body, authorization);
  }
}

async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (err instanceof TwirpError && err.status === 404) return;
    throw err;
  }
}
