import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import {
  NotificationPreferencesDto,
  PushTokenDto,
  PushTokenParamDto,
  RegisterPushTokenDto,
  UpdateNotificationPreferencesDto,
} from './dto/push.dto.js';
import { Push } from './push.service.js';

/** My devices' push tokens (per session) and which pushes I get. */
@ApiTags('notifications')
@ApiBearerAuth()
@Authenticated()
@Controller('me')
export class PushController {
  constructor(private readonly push: Push) {}

  /**
   * Registers this device's push token for my current session (a token registered before, by any
   * session, moves to this one). It is deleted when the session ends (logout, revocation).
   */
  @Post('push-tokens')
  @HttpCode(200)
  @ApiOperation({ summary: 'Register this device for push notifications' })
  register(@Body() body: RegisterPushTokenDto, @Meta() meta: RequestMeta): Promise<PushTokenDto> {
    const p = meta.principal!;
    return this.push.register(p.userId, p.sessionId, body.token, body.platform);
  }

  @Delete('push-tokens/:token')
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop push notifications to a device of mine' })
  async unregister(@Param() params: PushTokenParamDto, @Meta() meta: RequestMeta): Promise<void> {
    await this.push.unregister(meta.principal!.userId, params.token);
  }

  @Get('notification-preferences')
  @ApiOperation({ summary: 'Which push notifications I get' })
  preferences(@Meta() meta: RequestMeta): Promise<NotificationPreferencesDto> {
    return this.push.preferences(meta.principal!.userId);
  }

  @Put('notification-preferences')
  @ApiOperation({ summary: 'Turn push notification categories on or off' })
  setPreferences(
    @Body() body: UpdateNotificationPreferencesDto,
    @Meta() meta: RequestMeta,
  ): Promise<NotificationPreferencesDto> {
    return this.push.setPreferences(meta.principal!.userId, body);
  }
}
