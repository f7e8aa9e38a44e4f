/** Prefix length of a CIDR ("0.0.0.0/0" -> 0); `undefined` for a missing or malformed one. */
export function prefixLength(cidr: string | undefined): number | undefined {
  if (!cidr) return undefined;
  const slash = cidr.lastIndexOf('/');
  if (slash < 0) return undefined;
  const bits = Number(cidr.slice(slash + 1));
  return Number.isInteger(bits) && bits >= 0 && bits <= 128 ? bits : undefined;
}

/** True when the CIDR's prefix is shorter than the bound: the internet, or a slice of it that counts as such. */
export const isBroaderThan = (cidr: string | undefined, minPrefix: number): boolean => {
  const bits = prefixLength(cidr);
  return bits !== undefined && bits < minPrefix;
};
