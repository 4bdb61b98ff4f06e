import type { PushRegistration } from './push';

export type { PushRegistration, PushState } from './push';

/** On the web: no pushes (the API sends to the phone apps' Expo push tokens only). */
export const registerPush = (): Promise<PushRegistration> =>
  Promise.resolve({ state: 'unsupported', token: null });

export const unregisterPush = (): Promise<void> => Promise.resolve();

export const onPushTokenChange = (): (() => void) => () => undefined;
