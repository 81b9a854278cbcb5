/**
 * Address ranges: parsing (strict for config, lenient for what a provider might accept) and breadth.
 * "World-open" is a question of how much of the address space a set of sources covers, not of spelling `/0`:
 * `0.0.0.0/1` + `128.0.0.0/1`, `::ffff:0:0/96` (every IPv4 address, mapped into IPv6) and `0/0` are all the internet.
 */
import * as ipaddr from "ipaddr.js";
import { isIPv4, isIPv6 } from "node:net";

export interface ParsedCidr {
  family: 4 | 6;
  address: string;
  prefix: number;
}

/** Parses "a.b.c.d/n" or "x::y/n" in their canonical forms; undefined when it is not one. Used for config. */
export function parseCidr(value: string): ParsedCidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value.trim());
  if (!m) return undefined;
  const address = m[1] ?? "";
  const prefix = Number(m[2]);
  if (isIPv4(address) && prefix <= 32) return { family: 4, address, prefix };
  if (isIPv6(address) && prefix <= 128) return { family: 6, address, prefix };
  return undefined;
}

/** True when the CIDR `inner` lies inside the CIDR `outer` (same family, both in canonical form). */
export function cidrWithin(inner: string, outer: string): boolean {
  const i = parseCidr(inner);
  const o = parseCidr(outer);
  if (!i || !o || i.family !== o.family || i.prefix < o.prefix) return false;
  return ipaddr.parse(i.address).match(ipaddr.parseCIDR(`${o.address}/${o.prefix}`));
}

/** An inclusive range of addresses of one family, as integers. */
export interface AddressRange {
  family: 4 | 6;
  start: bigint;
  end: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

/**
 * IPv6 blocks that carry IPv4 addresses in their low bits: traffic from them is IPv4 traffic in disguise.
 * ::ffff:0:0/96 IPv4-mapped (RFC 4291 2.5.5.2), 64:ff9b::/96 NAT64 well-known prefix (RFC 6052 2.1),
 * ::/96 IPv4-compatible (RFC 4291 2.5.5.1, deprecated), 2002::/16 6to4 (RFC 3056 2, the IPv4 address in bits 16-47).
 */
const IPV4_CARRIERS: { prefix: string; bits: number; v4Offset: number }[] = [
  { prefix: "::ffff:0:0", bits: 96, v4Offset: 96 },
  { prefix: "64:ff9b::", bits: 96, v4Offset: 96 },
  { prefix: "::", bits: 96, v4Offset: 96 },
  { prefix: "2002::", bits: 16, v4Offset: 16 },
];

function toBigInt(bytes: number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function rangeOf(family: 4 | 6, base: bigint, prefix: number): AddressRange {
  const size = 1n << BigInt(BITS[family] - prefix);
  const start = (base / size) * size;
  return { family, start, end: start + size - 1n };
}

/** The IPv4 addresses an IPv6 range carries, for the blocks above. */
function ipv4Carried(r: AddressRange): AddressRange[] {
  const out: AddressRange[] = [];
  for (const c of IPV4_CARRIERS) {
    const block = rangeOf(6, toBigInt(ipaddr.IPv6.parse(c.prefix).toByteArray()), c.bits);
    const lo = r.start > block.start ? r.start : block.start;
    const hi = r.end < block.end ? r.end : block.end;
    if (lo > hi) continue;
    const shift = BigInt(128 - c.v4Offset - 32);
    const mask = (1n << 32n) - 1n;
    if (lo === block.start && hi === block.end) out.push({ family: 4, start: 0n, end: mask });
    else out.push({ family: 4, start: (lo >> shift) & mask, end: (hi >> shift) & mask });
  }
  return out;
}

export interface Source {
  /** What was written. */
  raw: string;
  /** The ranges it covers, in its own family and (for IPv6 blocks that carry IPv4) as IPv4. */
  ranges: AddressRange[];
}

/**
 * Reads a source the way a provider might: CIDR in any spelling ipaddr.js accepts ("0/0", "000.0.0.0/0", "0x0/0"),
 * a bare address (a single host; the bare unspecified addresses "0.0.0.0" and "::" and the words "*", "any",
 * "anywhere", "internet" are read as everything). Undefined when nothing sensible can be read.
 */
export function readSource(value: string): Source | undefined {
  const raw = value;
  const v = value.trim().toLowerCase();
  if (["*", "any", "anywhere", "internet", "0.0.0.0", "::", "0"].includes(v)) {
    return { raw, ranges: [{ family: 4, start: 0n, end: (1n << 32n) - 1n }, { family: 6, start: 0n, end: (1n << 128n) - 1n }] };
  }
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let prefix: number;
  try {
    if (v.includes("/")) [addr, prefix] = ipaddr.parseCIDR(v);
    else {
      addr = ipaddr.parse(v);
      prefix = addr.kind() === "ipv4" ? 32 : 128;
    }
  } catch {
    return undefined;
  }
  const family = addr.kind() === "ipv4" ? 4 : 6;
  const own = rangeOf(family, toBigInt(addr.toByteArray()), prefix);
  return { raw, ranges: family === 6 ? [own, ...ipv4Carried(own)] : [own] };
}

/** How many addresses of each family the union of the ranges covers. */
export function coverage(ranges: AddressRange[]): Record<4 | 6, bigint> {
  const total: Record<4 | 6, bigint> = { 4: 0n, 6: 0n };
  for (const family of [4, 6] as const) {
    const sorted = ranges.filter((r) => r.family === family).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    let cur: AddressRange | undefined;
    for (const r of sorted) {
      if (cur && r.start <= cur.end + 1n) {
        if (r.end > cur.end) cur.end = r.end;
        continue;
      }
      if (cur) total[family] += cur.end - cur.start + 1n;
      cur = { ...r };
    }
    if (cur) total[family] += cur.end - cur.start + 1n;
  }
  return total;
}

/** The narrowest prefix a source may have: anything covering more addresses than one such block is "too broad". */
export interface BreadthLimits {
  minIpv4Prefix: number;
  minIpv6Prefix: number;
}

export const DEFAULT_BREADTH: BreadthLimits = { minIpv4Prefix: 8, minIpv6Prefix: 16 };

/** Which family, if any, the ranges cover more of than one block of the limit's size. */
export function broaderThan(ranges: AddressRange[], limits: BreadthLimits): ("IPv4" | "IPv6")[] {
  const c = coverage(ranges);
  const out: ("IPv4" | "IPv6")[] = [];
  if (c[4] > 1n << BigInt(32 - limits.minIpv4Prefix)) out.push("IPv4");
  if (c[6] > 1n << BigInt(128 - limits.minIpv6Prefix)) out.push("IPv6");
  return out;
}

/** True for any source that covers the whole address space of a family (or every IPv4 address, mapped into IPv6). */
export function isWorldOpen(value: string): boolean {
  const s = readSource(value);
  if (!s) return false;
  const c = coverage(s.ranges);
  return c[4] === 1n << 32n || c[6] === 1n << 128n;
}
