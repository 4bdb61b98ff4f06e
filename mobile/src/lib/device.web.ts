import { randomUUID } from 'expo-crypto';

/** On the web: one id per page load (nothing is kept in the browser's storage, as with tokens). */
const id = randomUUID();

export const deviceFingerprint = (): Promise<string> => Promise.resolve(id);
