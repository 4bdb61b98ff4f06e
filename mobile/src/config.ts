import { Platform } from 'react-native';

/**
 * Where the API is: `EXPO_PUBLIC_API_URL` (inlined at build time), else on the web the page's own
 * origin under `/api` (the web build is served next to a proxy to the API, `scripts/serve-web.mjs`),
 * else the API on this machine (a simulator; a phone needs the computer's LAN address).
 */
function origin(): string {
  return Platform.OS === 'web' && typeof window !== 'undefined'
    ? window.location.origin
    : 'http://127.0.0.1';
}

export const API_URL = (
  process.env.EXPO_PUBLIC_API_URL ??
  (Platform.OS === 'web' ? `${origin()}/api` : 'http://127.0.0.1:3000')
).replace(/\/$/, '');

/**
 * The local Razorpay sandbox that plays Checkout where the real Checkout is not in the app yet (the
 * web build and tests): `EXPO_PUBLIC_RAZORPAY_SANDBOX_URL`, else on the web the page's origin (the
 * web server proxies `/__sandbox/`); none on devices unless set.
 */
export const RAZORPAY_SANDBOX_URL: string | undefined =
  process.env.EXPO_PUBLIC_RAZORPAY_SANDBOX_URL ?? (Platform.OS === 'web' ? origin() : undefined);
