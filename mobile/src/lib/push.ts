import Constants from 'expo-constants';
import * as Notifications from 'expo-notifications';
import { Platform } from 'react-native';
import { api, data } from '../api/client';

/**
 * Whether this device gets the API's pushes (README "Calls and push"): `starting` until asked,
 * `on` (its Expo push token registered for this session), `denied` (the user refused the
 * permission), `unavailable` (no token: a simulator, Expo Go, no Expo project id, or the API
 * unreachable) or `unsupported` (the web).
 */
export type PushState = 'starting' | 'on' | 'denied' | 'unavailable' | 'unsupported';

export interface PushRegistration {
  state: PushState;
  /** The token registered with the API, to remove on sign-out. */
  token: string | null;
}

/** The Expo project the push token is for (EAS sets it in the app's config). */
function projectId(): string | undefined {
  const extra = Constants.expoConfig?.extra as { eas?: { projectId?: string } } | undefined;
  return Constants.easConfig?.projectId ?? extra?.eas?.projectId;
}

/**
 * Asks for the permission (when the OS still lets the app ask), gets this device's Expo push token
 * and registers it for the current session (`POST /me/push-tokens`).
 */
export async function registerPush(): Promise<PushRegistration> {
  if (Platform.OS === 'android')
    await Notifications.setNotificationChannelAsync('default', {
      name: 'FixBazaar',
      importance: Notifications.AndroidImportance.DEFAULT,
    });
  let permission = await Notifications.getPermissionsAsync();
  if (!permission.granted && permission.canAskAgain)
    permission = await Notifications.requestPermissionsAsync();
  if (!permission.granted) return { state: 'denied', token: null };
  const id = projectId();
  const { data: token } = await Notifications.getExpoPushTokenAsync(id ? { projectId: id } : {});
  const platform = Platform.OS === 'ios' ? 'ios' : 'android';
  await data(api.POST('/me/push-tokens', { body: { token, platform } }));
  return { state: 'on', token };
}

/** Stops pushes to this device (`DELETE /me/push-tokens/{token}`). */
export async function unregisterPush(token: string): Promise<void> {
  await data(api.DELETE('/me/push-tokens/{token}', { params: { path: { token } } }));
}

/** Calls back whenever the OS hands the app a new push token; returns the unsubscribe. */
export function onPushTokenChange(handler: () => void): () => void {
  const subscription = Notifications.addPushTokenListener(() => handler());
  return () => subscription.remove();
}
