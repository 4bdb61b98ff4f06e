import { randomUUID } from 'expo-crypto';
import * as SecureStore from 'expo-secure-store';

/** This install's own id, made once and kept in the OS keystore (what consents record, hashed). */
const KEY = 'fixbazaar.deviceId';

export async function deviceFingerprint(): Promise<string> {
  const known = await SecureStore.getItemAsync(KEY);
  if (known) return known;
  const made = randomUUID();
  await SecureStore.setItemAsync(KEY, made);
  return made;
}
