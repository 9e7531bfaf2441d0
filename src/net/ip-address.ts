/**
 * Which addresses a feed fetch may reach. Pure string work, so every runtime shares it: the core
 * checks IP literals in URLs, the Node shell checks what DNS answers before it connects.
 */

export type AddressKind =
  | 'public'
  | 'unspecified' // 0.0.0.0/8, :: — connecting to it reaches this host
  | 'loopback'
  | 'private' // 10/8, 172.16/12, 192.168/16
  | 'shared' // 100.64/10, carrier-grade NAT: someone's internal network
  | 'link-local' // 169.254/16 (cloud metadata lives here), fe80::/10
  | 'unique-local' // fc00::/7, and the deprecated site-local fec0::/10
  | 'multicast'
  | 'reserved';

/** The address a fetch refused to reach, thrown by a shell's resolver so the core can say why. */
export class PrivateAddressError extends Error {
  override name = 'PrivateAddressError';
  constructor(readonly address: string) {
    super(`refused to connect to a private address (${address})`);
  }
}

function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

/** Eight 16-bit groups, or undefined when s is not an IPv6 address (a zone id such as %eth0 is ignored). */
function parseIPv6(s: string): number[] | undefined {
  let text = s.replace(/%.*$/, '').toLowerCase();
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIPv4(dotted[2]!);
    if (!v4) return undefined;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    text = dotted[1]!.endsWith('::') ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const missing = 8 - tail.length - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head.map((g) => parseInt(g, 16)), ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest.map((g) => parseInt(g, 16)), ...tail];
}

function kindOfIPv4([a, b]: number[]): AddressKind {
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b! >= 64 && b! <= 127) return 'shared';
  if (a === 169 && b === 254) return 'link-local';
  if (a! >= 224 && a! <= 239) return 'multicast';
  if (a! >= 240) return 'reserved'; // includes 255.255.255.255
  return 'public';
}

const embeddedIPv4 = (g: number[], at: number) => [g[at]! >> 8, g[at]! & 0xff, g[at + 1]! >> 8, g[at + 1]! & 0xff];

function kindOfIPv6(g: number[]): AddressKind {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return 'unspecified';
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  // Forms that carry an IPv4 address reach (or are translated to) that address: judge it.
  if (zeros(0, 5) && g[5] === 0xffff) return kindOfIPv4(embeddedIPv4(g, 6)); // ::ffff:a.b.c.d, mapped
  if (zeros(0, 6)) return kindOfIPv4(embeddedIPv4(g, 6)); // ::a.b.c.d, IPv4-compatible
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return kindOfIPv4(embeddedIPv4(g, 6)); // NAT64
  if (g[0] === 0x2002) return kindOfIPv4(embeddedIPv4(g, 1)); // 6to4
  if ((g[0]! & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0]! & 0xffc0) === 0xfec0) return 'unique-local';
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast';
  return 'public';
}

/**
 * What kind of address an IP literal is, or undefined when the text is not an IP address (a host
 * name). Takes dotted IPv4, IPv6 with or without brackets (as `URL.hostname` gives it), with an
 * embedded IPv4 tail or a zone id. Other IPv4 spellings (127.1, 0x7f.0.0.1) are not literals here:
 * `new URL()` already rewrites them to dotted form, so hostnames should come from a parsed URL.
 */
export function addressKind(ip: string): AddressKind | undefined {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const v4 = parseIPv4(bare);
  if (v4) return kindOfIPv4(v4);
  const v6 = bare.includes(':') ? parseIPv6(bare) : undefined;
  return v6 ? kindOfIPv6(v6) : undefined;
}

/** True for an address a feed hosted on the public internet may have. */
export const isPublicAddress = (ip: string): boolean => addressKind(ip) === 'public';

/**
 * Whether a URL's host is, by its own spelling, off the public internet: a non-public IP literal,
 * or a `localhost` name (RFC 6761 reserves those for loopback).
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const kind = addressKind(host);
  return kind !== undefined && kind !== 'public';
}

/**
 * The network an address speaks for, for abuse limits: an IPv4 address itself, an IPv6 address's /64
 * (one household or host is handed a whole /64, and can change addresses within it at will).
 */
export function limitNetwork(address: string): string {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (parseIPv4(bare)) return bare;
  const groups = bare.includes(':') ? parseIPv6(bare) : undefined;
  if (!groups) return bare;
  // IPv4 written as IPv6 (::ffff:a.b.c.d) is that IPv4 address.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return embeddedIPv4(groups, 6).join('.');
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}
