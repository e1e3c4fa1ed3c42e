// Where fly.io's regions are, so a launch refused by a Down region can suggest the nearest
// regions that still have room. Coordinates are those of each region's airport code (fly.io
// names regions after the nearest airport), to a tenth of a degree: plenty for "nearest".

export interface LatLon {
  lat: number;
  lon: number;
}

export const REGION_COORDINATES: Readonly<Record<string, LatLon>> = {
  AMS: { lat: 52.3, lon: 4.8 },
  ARN: { lat: 59.7, lon: 17.9 },
  ATL: { lat: 33.6, lon: -84.4 },
  BOG: { lat: 4.7, lon: -74.1 },
  BOM: { lat: 19.1, lon: 72.9 },
  CDG: { lat: 49.0, lon: 2.6 },
  DEN: { lat: 39.9, lon: -104.7 },
  DFW: { lat: 32.9, lon: -97.0 },
  EWR: { lat: 40.7, lon: -74.2 },
  EZE: { lat: -34.8, lon: -58.5 },
  FRA: { lat: 50.0, lon: 8.6 },
  GDL: { lat: 20.5, lon: -103.3 },
  GIG: { lat: -22.8, lon: -43.2 },
  GRU: { lat: -23.4, lon: -46.5 },
  HKG: { lat: 22.3, lon: 113.9 },
  IAD: { lat: 38.9, lon: -77.5 },
  JNB: { lat: -26.1, lon: 28.2 },
  LAX: { lat: 33.9, lon: -118.4 },
  LHR: { lat: 51.5, lon: -0.5 },
  MAD: { lat: 40.5, lon: -3.6 },
  MEL: { lat: -37.7, lon: 144.8 },
  MIA: { lat: 25.8, lon: -80.3 },
  NRT: { lat: 35.8, lon: 140.4 },
  ORD: { lat: 42.0, lon: -87.9 },
  OTP: { lat: 44.6, lon: 26.1 },
  PHX: { lat: 33.4, lon: -112.0 },
  QRO: { lat: 20.6, lon: -100.2 },
  SCL: { lat: -33.4, lon: -70.8 },
  SEA: { lat: 47.4, lon: -122.3 },
  SIN: { lat: 1.4, lon: 104.0 },
  SJC: { lat: 37.4, lon: -121.9 },
  SYD: { lat: -33.9, lon: 151.2 },
  WAW: { lat: 52.2, lon: 21.0 },
  YUL: { lat: 45.5, lon: -73.7 },
  YYZ: { lat: 43.7, lon: -79.6 },
};

/** Great-circle distance in km (haversine). */
export function distanceKm(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface Nearby {
  code: string;
  /** Rounded km, or null when either region's place is unknown (a custom CSV's own code). */
  km: number | null;
}

/**
 * `candidates` ordered by distance from `from`, nearest first, at most `max`. Regions of unknown
 * place come after every known one, by code, so a custom fleet still gets suggestions.
 */
export function nearestRegions(from: string, candidates: Iterable<string>, max = 3): Nearby[] {
  const origin = REGION_COORDINATES[from.toUpperCase()];
  const out: Nearby[] = [];
  for (const code of candidates) {
    if (code.toUpperCase() === from.toUpperCase()) continue;
    const there = REGION_COORDINATES[code.toUpperCase()];
    out.push({ code, km: origin && there ? Math.round(distanceKm(origin, there)) : null });
  }
  out.sort((a, b) => (a.km ?? Infinity) - (b.km ?? Infinity) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return out.slice(0, max);
}
