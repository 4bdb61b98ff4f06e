import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, Length, Matches, ValidateIf } from 'class-validator';

export const PUSH_PLATFORMS = ['ios', 'android'] as const;

/** An Expo push token (`ExponentPushToken[…]`), as the app gets it from expo-notifications. */
const PUSH_TOKEN = /^Expo(nent)?PushToken\[[A-Za-z0-9_-]{10,200}\]$/;

export class RegisterPushTokenDto {
  @ApiProperty({ example: 'ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]' })
  @IsString()
  @Length(1, 255)
  @Matches(PUSH_TOKEN, { message: 'token must be an Expo push token (ExponentPushToken[…])' })
  token!: string;

  @ApiProperty({ enum: PUSH_PLATFORMS })
  @IsIn(PUSH_PLATFORMS)
  platform!: (typeof PUSH_PLATFORMS)[number];
}

export class PushTokenParamDto {
  @IsString()
  @Length(1, 255)
  @Matches(PUSH_TOKEN, { message: 'token must be an Expo push token (ExponentPushToken[…])' })
  token!: string;
}

export class PushTokenDto {
  token!: string;
  @ApiProperty({ enum: PUSH_PLATFORMS })
  platform!: (typeof PUSH_PLATFORMS)[number];
  registeredAt!: string;
}

/** Which pushes I get (each on unless turned off). */
export class NotificationPreferencesDto {
  /** New chat messages. */
  messages!: boolean;
  /** Incoming calls. */
  calls!: boolean;
  /** New repair offers (technicians). */
  jobOffers!: boolean;
  /** My orders' progress (paid, shipped, delivered, cancelled; dealers: a new paid order). */
  orders!: boolean;
  /** Payments (a payment failed; a repair job paid, for its technician). */
  payments!: boolean;
}

/** Optional, but not null: an omitted preference keeps its value, a null one is refused (400). */
const Present = () => ValidateIf((_o, v) => v !== undefined);

/** The preferences to change; the others keep their value. */
export class UpdateNotificationPreferencesDto {
  @Present()
  @IsBoolean()
  messages?: boolean;

  @Present()
  @IsBoolean()
  calls?: boolean;

  @Present()
  @IsBoolean()
  jobOffers?: boolean;

  @Present()
  @IsBoolean()
  orders?: boolean;

  @Present()
  @IsBoolean()
  payments?: boolean;
}
