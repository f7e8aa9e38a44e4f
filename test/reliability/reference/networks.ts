/**
 * The reference model's network arithmetic, written from the address formats themselves and sharing
 * nothing with functions/core: an IPv4 address is four decimal octets (RFC 791), an IPv6 address is
 * eight 16-bit hexadecimal groups with one `::` standing for a run of zero groups and an optional
 * dotted IPv4 tail (RFC 4291 section 2.2), a CIDR block is an address and a prefix length (RFC 4632).
 * EC2 stores a block canonically, with the host bits cleared ("10.9.9.9/0" is stored as "0.0.0.0/0",
 * see test/integration for moto's answer), so two texts are the same network when their masked
 * addresses and prefixes agree.
 */

/** A CIDR block as numbers: the address with its host bits cleared, and the prefix length. */
export interface Network {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function ipv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function ipv6(text: string): bigint | undefined {
  let head = text;
  let tail: bigint[] = [];
  // A dotted IPv4 tail stands for the last two groups (::ffff:192.0.2.1).
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): bigint[] | undefined => {
    if (s === '') return [];
    const out: bigint[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const left = groups(halves[0] as string);
  const right = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!left || !right) return undefined;
  const given = left.length + right.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const all = [...left, ...Array<bigint>(8 - given).fill(0n), ...right, ...tail];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Reads "a.b.c.d/n" or an IPv6 block; `undefined` for anything else. */
export function parseNetwork(text: string | undefined): Network | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0 || slash !== text.lastIndexOf('/')) return undefined;
  const address = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return undefined;
  const family = address.includes(':') ? 6 : 4;
  const value = family === 4 ? ipv4(address) : ipv6(address);
  const prefix = Number(bits);
  if (value === undefined || prefix > BITS[family]) return undefined;
  const hostBits = BigInt(BITS[family] - prefix);
  return { family, base: (value >> hostBits) << hostBits, prefix };
}

/** True when both texts are blocks and name the same network (host bits and spelling aside). */
export function sameNetwork(a: string | undefined, b: string | undefined): boolean {
  const x = parseNetwork(a);
  const y = parseNetwork(b);
  return !!x && !!y && x.family === y.family && x.prefix === y.prefix && x.base === y.base;
}

/** True when every address of `inner` is in `outer`. */
export function within(inner: Network, outer: Network): boolean {
  if (inner.family !== outer.family || inner.prefix < outer.prefix) return false;
  const hostBits = BigInt(BITS[outer.family] - outer.prefix);
  return inner.base >> hostBits === outer.base >> hostBits;
}

/** Renders a network canonically (dotted quad; IPv6 as eight lower-case groups, uncompressed). */
export function formatNetwork(n: Network): string {
  if (n.family === 4) {
    const octets = [24n, 16n, 8n, 0n].map((s) => String((n.base >> s) & 0xffn));
    return `${octets.join('.')}/${n.prefix}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((n.base >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return `${groups.join(':')}/${n.prefix}`;
}
