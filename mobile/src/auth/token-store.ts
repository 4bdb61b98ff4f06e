import * as SecureStore from 'expo-secure-store';

/** The refresh token on a device: in the OS keystore (expo-secure-store), so a restart keeps the session. */
const KEY = 'fixbazaar.refreshToken';

export const tokenStore = {
  load: (): Promise<string | null> => SecureStore.getItemAsync(KEY),
  save: (token: string): Promise<void> => SecureStore.setItemAsync(KEY, token),
  clear: (): Promise<void> => SecureStore.deleteItemAsync(KEY),
};
