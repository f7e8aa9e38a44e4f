/**
 * CIDRs as networks, not text. EC2 stores a CIDR canonically: the SDK's model of
 * AuthorizeSecurityGroupIngress (`IpRange.CidrIp`, `AuthorizeSecurityGroupIngressRequest.CidrIp`,
 * @aws-sdk/client-ec2 dist-types/models/models_0.d.ts) says "Amazon Web Services canonicalizes IPv4
 * and IPv6 CIDRs. For example, if you specify 100.68.0.18/18 … canonicalizes the CIDR block to
 * 100.68.0.0/18", and CreateRoute's `DestinationCidrBlock` (models_2.d.ts) "We modify the specified
 * CIDR block to its canonical form". moto 5.2 does not (it stores `10.9.9.9/0` as given), so LayerGuard
 * compares networks whatever the store: `10.9.9.9/0`, `0.0.0.0/0` and `0.0.0.0/00` are one network.
 */

/** A parsed CIDR: its family, its network address (host bits cleared) and its prefix length. */
export interface Network {
  readonly family: 4 | 6;
  readonly address: bigint;
  readonly prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;

function ipv4Bits(text: string): bigint | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
}

/** Hex groups of one side of `::`; a dotted IPv4 tail counts as two groups. */
function groupsOf(side: string, allowIpv4Tail: boolean): bigint[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const groups: bigint[] = [];
  for (const [i, part] of parts.entries()) {
    if (allowIpv4Tail && i === parts.length - 1 && part.includes('.')) {
      const v4 = ipv4Bits(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (HEX_GROUP.test(part)) groups.push(BigInt(`0x${part}`));
    else return undefined;
  }
  return groups;
}

function ipv6Bits(text: string): bigint | undefined {
  const lower = text.toLowerCase();
  const halves = lower.split('::');
  if (halves.length > 2) return undefined;
  let groups: bigint[];
  if (halves.length === 2) {
    const head = groupsOf(halves[0] as string, false);
    const tail = groupsOf(halves[1] as string, true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...Array<bigint>(8 - head.length - tail.length).fill(0n), ...tail];
  } else {
    const all = groupsOf(lower, true);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

const widthOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);
const maskOf = (family: 4 | 6, prefix: number): bigint => {
  const width = BigInt(widthOf(family));
  return ((1n << width) - 1n) ^ ((1n << (width - BigInt(prefix))) - 1n);
};

/** Parses a CIDR in any spelling EC2 accepts; `undefined` for anything that is not one. */
export function parseCidr(cidr: string | undefined): Network | undefined {
  if (!cidr) return undefined;
  const slash = cidr.lastIndexOf('/');
  if (slash < 0) return undefined;
  const suffix = cidr.slice(slash + 1);
  // Digits only: Number('') is 0, so "10.0.0.0/" would otherwise read as the whole internet.
  if (!/^\d{1,3}$/.test(suffix)) return undefined;
  const prefix = Number(suffix);
  const host = cidr.slice(0, slash);
  const family: 4 | 6 = host.includes(':') ? 6 : 4;
  const bits = family === 4 ? ipv4Bits(host) : ipv6Bits(host);
  if (bits === undefined || prefix > widthOf(family)) return undefined;
  return { family, address: bits & maskOf(family, prefix), prefix };
}

function formatIpv4(address: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) & 0xffn)).join('.');
}

/** RFC 5952: lower case, no leading zeros, the longest run (two or more) of zero groups as `::`. */
function formatIpv6(address: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => (address >> BigInt(112 - 16 * i)) & 0xffffn);
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0n) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0n) j += 1;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  const head = hex.slice(0, best.start).join(':');
  const tail = hex.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/** The network in EC2's stored form (`10.9.9.9/0` -> `0.0.0.0/0`, `2001:DB8:0::5/32` -> `2001:db8::/32`). */
export const formatNetwork = (n: Network): string =>
  `${n.family === 4 ? formatIpv4(n.address) : formatIpv6(n.address)}/${n.prefix}`;

/** The canonical form of a CIDR, as EC2 stores it; `undefined` for a missing or malformed one. */
export function canonicalCidr(cidr: string | undefined): string | undefined {
  const network = parseCidr(cidr);
  return network ? formatNetwork(network) : undefined;
}

/**
 * True when both name the same network, or both are absent. A CIDR that does not parse equals only
 * its own text (case aside): never a different network.
 */
export function isSameNetwork(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const [na, nb] = [parseCidr(a), parseCidr(b)];
  if (!na || !nb) return a.toLowerCase() === b.toLowerCase();
  return na.family === nb.family && na.prefix === nb.prefix && na.address === nb.address;
}

/** True when `inner` lies wholly inside `outer` (both parsed, of one family). */
export function isWithin(inner: string | undefined, outer: string): boolean {
  const [i, o] = [parseCidr(inner), parseCidr(outer)];
  if (!i || !o || i.family !== o.family || i.prefix < o.prefix) return false;
  return (i.address & maskOf(o.family, o.prefix)) === o.address;
}

/** Prefix length of a CIDR ("0.0.0.0/0" -> 0); `undefined` for a missing or malformed one. */
export function prefixLength(cidr: string | undefined): number | undefined {
  return parseCidr(cidr)?.prefix;
}

/** True when the CIDR's prefix is shorter than the bound: the internet, or a slice of it that counts as such. */
export const isBroaderThan = (cidr: string | undefined, minPrefix: number): boolean => {
  const bits = prefixLength(cidr);
  return bits !== undefined && bits < minPrefix;
};

/**
 * IPv6 unique local addresses (RFC 4193, `fc00::/7`): private, never the internet, whatever the
 * policy's prefix bound.
 */
export const PRIVATE_IPV6 = 'fc00::/7';

/** True for an IPv6 CIDR inside `fc00::/7`. */
export const isPrivateIpv6 = (cidr: string | undefined): boolean => isWithin(cidr, PRIVATE_IPV6);

/** True when the two networks share an address (one lies inside the other): both parsed, of one family. */
export function overlaps(a: string | undefined, b: string | undefined): boolean {
  const [na, nb] = [parseCidr(a), parseCidr(b)];
  if (!na || !nb || na.family !== nb.family) return false;
  const prefix = Math.min(na.prefix, nb.prefix);
  const mask = maskOf(na.family, prefix);
  return (na.address & mask) === (nb.address & mask);
}
