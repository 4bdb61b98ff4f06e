import { jest } from '@jest/globals';

// expo-secure-store has no native side under Jest: an in-memory keystore stands in.
jest.mock('expo-secure-store', () => {
  const items = new Map<string, string>();
  return {
    getItemAsync: async (key: string) => items.get(key) ?? null,
    setItemAsync: async (key: string, value: string) => void items.set(key, value),
    deleteItemAsync: async (key: string) => void items.delete(key),
  };
});

// expo-crypto's native side is absent under Jest: Node's own makes the UUIDs.
jest.mock('expo-crypto', () => ({
  randomUUID: () => jest.requireActual<typeof import('node:crypto')>('node:crypto').randomUUID(),
}));

// expo-notifications' native side is absent under Jest: by default the OS refuses the permission
// without asking (no push token, nothing registered); a test about pushes sets what the OS answers.
jest.mock('expo-notifications', () => {
  const refused = { granted: false, canAskAgain: false, status: 'denied', expires: 'never' };
  return {
    AndroidImportance: { DEFAULT: 3 },
    setNotificationChannelAsync: jest.fn(async () => null),
    getPermissionsAsync: jest.fn(async () => refused),
    requestPermissionsAsync: jest.fn(async () => refused),
    getExpoPushTokenAsync: jest.fn(async () => {
      throw new Error('no push token under Jest');
    }),
    addPushTokenListener: jest.fn(() => ({ remove: () => undefined })),
  };
});
