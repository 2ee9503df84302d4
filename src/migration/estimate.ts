/**
 * The figures a plan reports: size classes and estimates of duration and egress cost.
 * @module
 */

/** Upper bounds (exclusive) of the size classes, with their labels. */
export const SIZE_CLASSES: readonly { readonly label: string; readonly below: number }[] = [
  { label: '< 64 KiB', below: 64 * 1024 },
  { label: '64 KiB – 1 MiB', below: 1024 ** 2 },
  { label: '1 – 16 MiB', below: 16 * 1024 ** 2 },
  { label: '16 – 256 MiB', below: 256 * 1024 ** 2 },
  { label: '256 MiB – 4 GiB', below: 4 * 1024 ** 3 },
  { label: '≥ 4 GiB', below: Number.POSITIVE_INFINITY },
];

export interface SizeClassCount {
  readonly label: string;
  objects: number;
  bytes: number;
}

export function emptySizeClasses(): SizeClassCount[] {
  return SIZE_CLASSES.map((c) => ({ label: c.label, objects: 0, bytes: 0 }));
}

export function countSize(classes: SizeClassCount[], size: number): void {
  const i = SIZE_CLASSES.findIndex((c) => size < c.below);
  const slot = classes[i]!;
  slot.objects++;
  slot.bytes += size;
}

export interface EstimateParams {
  /** Egress price of the source provider, per GB (10^9 bytes), in the operator's currency. */
  readonly pricePerGb: number;
  /** Sustained copy rate expected, bytes per second. */
  readonly bytesPerSecond: number;
  /** Objects per second the destination accepts (e.g. 300 PUT/s per OVHcloud bucket). */
  readonly objectsPerSecond: number;
}

export const DEFAULT_ESTIMATE: EstimateParams = {
  pricePerGb: 0,
  bytesPerSecond: 100 * 1024 ** 2,
  objectsPerSecond: 300,
};

export interface Estimate extends EstimateParams {
  /** Whichever bound is slower: bytes at the rate, or objects at the request rate. */
  readonly seconds: number;
  readonly egressGb: number;
  readonly egressCost: number;
}

export function estimate(objects: number, bytes: number, params: EstimateParams): Estimate {
  const seconds = Math.max(bytes / params.bytesPerSecond, objects / params.objectsPerSecond);
  const egressGb = bytes / 1e9;
  return {
    ...params,
    seconds: Math.ceil(seconds),
    egressGb: Math.round(egressGb * 1000) / 1000,
    egressCost: Math.round(egressGb * params.pricePerGb * 100) / 100,
  };
}

/** `3725` → `1h 2m 5s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', `${s % 60}s`].filter(Boolean);
  return parts.slice(0, 3).join(' ');
}
