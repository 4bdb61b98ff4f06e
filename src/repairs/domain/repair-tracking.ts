/**
 * Live tracking of a technician on its way (README "Tracking"): the ETA from the straight-line
 * distance between the technician's last trusted fix and the job's location. Pure: no clock, no
 * database.
 *
 * The speed: the fix's own (the device's reading) when it is plausible for a technician riding
 * through a city — 2 to 25 m/s (7.2 to 90 km/h) — and the fix is at most a minute old; else the
 * city speed, 18 km/h, which is about what a two-wheeler's straight-line progress through Indian
 * city traffic averages (a stopped rider at a signal, a walking pace in a market lane or a speed
 * from a stale fix would say little about the rest of the way). The ETA is at least a minute: the
 * technician is still on the way until it says it arrived.
 */
export const TRACKING_RULES = {
  citySpeedMps: 18 / 3.6,
  plausibleSpeedMps: { min: 2, max: 25 },
  /** A fix older than this: its speed is not used. */
  speedMaxAgeSeconds: 60,
  minEtaSeconds: 60,
} as const;

export type EtaBasis = 'fix_speed' | 'city_speed';

export interface Eta {
  etaSeconds: number;
  basis: EtaBasis;
}

/** The ETA over `distanceM` (straight line) from a fix `fixAgeSeconds` old that reported `speedMps`. */
export function trackingEta(
  distanceM: number,
  speedMps: number | null,
  fixAgeSeconds: number,
): Eta {
  const { citySpeedMps, plausibleSpeedMps, speedMaxAgeSeconds, minEtaSeconds } = TRACKING_RULES;
  const useFix =
    speedMps !== null &&
    speedMps >= plausibleSpeedMps.min &&
    speedMps <= plausibleSpeedMps.max &&
    fixAgeSeconds <= speedMaxAgeSeconds;
  const speed = useFix ? speedMps : citySpeedMps;
  return {
    etaSeconds: Math.max(minEtaSeconds, Math.ceil(distanceM / speed)),
    basis: useFix ? 'fix_speed' : 'city_speed',
  };
}
