import { describe, expect, it, jest } from '@jest/globals';
import { act, fireEvent, screen, waitFor } from '@testing-library/react-native';
import * as Notifications from 'expo-notifications';
import { fakeApi, renderScreen, signedInAs, type Answer } from '../testing/render';
import Account from './Account';

// expo-notifications is mocked at the module boundary (src/testing/setup.ts); each test says what
// the OS answers. The API's routes are the contract-typed stand-in.
const OS = jest.mocked(Notifications);
const preferences = { messages: true, calls: true, jobOffers: true, orders: true, payments: true };
const FIRST = 'ExponentPushToken[aaaaaaaaaaaaaaaaaaaaaa]';
const SECOND = 'ExponentPushToken[bbbbbbbbbbbbbbbbbbbbbb]';

const permission = (granted: boolean, canAskAgain = true) =>
  ({
    granted,
    canAskAgain,
    status: granted ? 'granted' : 'undetermined',
    expires: 'never',
  }) as never;

function routes(): Record<string, Answer> {
  return {
    ...signedInAs({ role: 'customer' }),
    'GET /me/notification-preferences': { body: preferences },
    'POST /me/push-tokens': ({ body }) => ({
      body: { ...(body as object), registeredAt: '2026-12-08T01:00:00.000Z' },
    }),
    [`DELETE /me/push-tokens/${encodeURIComponent(FIRST)}`]: { status: 204, body: null },
    [`DELETE /me/push-tokens/${encodeURIComponent(SECOND)}`]: { status: 204, body: null },
    'POST /auth/logout': { status: 204, body: null },
  };
}

describe('push notifications', () => {
  it('asks after sign-in, registers the token, replaces it when it changes, removes it on sign-out', async () => {
    OS.getPermissionsAsync.mockResolvedValue(permission(false));
    OS.requestPermissionsAsync.mockResolvedValue(permission(true));
    OS.getExpoPushTokenAsync.mockResolvedValue({ type: 'expo', data: FIRST });
    const calls = fakeApi(routes());
    await renderScreen(<Account />);
    await waitFor(() =>
      expect(screen.getByTestId('push-state')).toHaveTextContent(
        'Push notifications are on for this device.',
      ),
    );
    expect(OS.requestPermissionsAsync).toHaveBeenCalled();
    const pushCalls = () =>
      calls
        .filter((c) => c.path.startsWith('/me/push-tokens') || c.path === '/auth/logout')
        .map((c) => `${c.method} ${decodeURIComponent(c.path)}`);
    expect(pushCalls()).toEqual([`POST /me/push-tokens`]);
    expect(calls.find((c) => c.path === '/me/push-tokens')!.body).toEqual({
      token: FIRST,
      platform: 'ios',
    });
    expect(calls.find((c) => c.path === '/me/push-tokens')!.headers.get('authorization')).toBe(
      'Bearer access-token',
    );

    // The OS hands the app a new token: the new one is registered, the old one removed.
    OS.getExpoPushTokenAsync.mockResolvedValue({ type: 'expo', data: SECOND });
    const listener = OS.addPushTokenListener.mock.calls.at(-1)![0];
    await act(async () => listener({ type: 'ios', data: 'apns-device-token' }));
    await waitFor(() =>
      expect(pushCalls()).toEqual([
        'POST /me/push-tokens',
        'POST /me/push-tokens',
        `DELETE /me/push-tokens/${FIRST}`,
      ]),
    );
    expect(calls.filter((c) => c.path === '/me/push-tokens')[1]!.body).toEqual({
      token: SECOND,
      platform: 'ios',
    });

    // Signing out removes this device's token while the session is still valid, then logs out.
    await fireEvent.press(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(pushCalls().at(-1)).toBe('POST /auth/logout'));
    expect(pushCalls().slice(3)).toEqual([`DELETE /me/push-tokens/${SECOND}`, 'POST /auth/logout']);
  });

  it('registers nothing when the permission is refused, and says so', async () => {
    OS.getPermissionsAsync.mockResolvedValue(permission(false));
    OS.requestPermissionsAsync.mockResolvedValue(permission(false, false));
    OS.getExpoPushTokenAsync.mockClear();
    const calls = fakeApi(routes());
    await renderScreen(<Account />);
    await waitFor(() =>
      expect(screen.getByTestId('push-state')).toHaveTextContent(
        'Push notifications are off: allow them for FixBazaar in your phone’s settings.',
      ),
    );
    expect(OS.getExpoPushTokenAsync).not.toHaveBeenCalled();
    await fireEvent.press(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(calls.at(-1)!.path).toBe('/auth/logout'));
    expect(calls.filter((c) => c.path.startsWith('/me/push-tokens'))).toEqual([]);
  });

  it('does not ask again once the OS says it may not', async () => {
    OS.getPermissionsAsync.mockResolvedValue(permission(false, false));
    OS.requestPermissionsAsync.mockClear();
    fakeApi(routes());
    await renderScreen(<Account />);
    await waitFor(() =>
      expect(screen.getByTestId('push-state')).toHaveTextContent(/^Push notifications are off/),
    );
    expect(OS.requestPermissionsAsync).not.toHaveBeenCalled();
  });
});
