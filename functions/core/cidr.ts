/** Prefix length of a CIDR ("0.0.0.0/0" -> 0); `undefined` for a missing or malformed one. */
export function prefixLength(cidr: string | undefined): number | undefined {
  if (!cidr) return undefined;
  const slash = cidr.lastIndexOf('/');
  if (slash < 0) return undefined;
  const suffix = cidr.slice(slash + 1);
  // Digits only: Number('') is 0, so "10.0.0.0/" would otherwise read as the whole internet.
  if (!/^\d{1,3}$/.test(suffix)) return undefined;
  const bits = Number(suffix);
  return bits <= 128 ? bits : undefined;
}

/** True when the CIDR's prefix is shorter than the bound: the internet, or a slice of it that counts as such. */
export const isBroaderThan = (cidr: string | undefined, minPrefix: number): boolean => {
  const bits = prefixLength(cidr);
  return bits !== undefined && bits < minPrefix;
};
