import * as Location from 'expo-location';
import type { Schemas } from '../api/client';

type Fix = Schemas['LocationFixDto'];

/** The device's position, once, with the user's permission (null when it is refused). */
export async function currentPosition(): Promise<Location.LocationObject | null> {
  const { granted } = await Location.requestForegroundPermissionsAsync();
  if (!granted) return null;
  return Location.getCurrentPositionAsync({ accuracy: Location.Accuracy.High });
}

/** A device fix as the API takes it, with the OS's mock-location flag (Android reports it). */
export function toFix(position: Location.LocationObject): Fix {
  const { latitude, longitude, accuracy, speed, heading } = position.coords;
  return {
    lat: latitude,
    lng: longitude,
    accuracyM: accuracy ?? 100,
    ...(speed !== null && speed >= 0 ? { speedMps: speed } : {}),
    ...(heading !== null && heading >= 0 && heading <= 360 ? { headingDeg: heading } : {}),
    recordedAt: new Date(position.timestamp).toISOString(),
    mock: position.mocked ?? false,
  };
}

/**
 * How often a technician's device sends a fix while active: every 10 s, well inside the API's
 * limit of 30 a minute (the screen also never sends two within this interval).
 */
export const FIX_INTERVAL_MS = 10_000;

/** Watches the device's position while a technician is active; null when permission is refused. */
export async function watchFixes(
  onFix: (fix: Fix) => void,
): Promise<Location.LocationSubscription | null> {
  const { granted } = await Location.requestForegroundPermissionsAsync();
  if (!granted) return null;
  return Location.watchPositionAsync(
    { accuracy: Location.Accuracy.High, timeInterval: FIX_INTERVAL_MS, distanceInterval: 0 },
    (position) => onFix(toFix(position)),
  );
}
