/** CIDR arithmetic for the network rules: containment, overlap, host bits. IPv4 and IPv6 as big integers. */
import { parseCidr, type ParsedCidr } from "../../infra/cidr";

export interface CidrRange extends ParsedCidr {
  /** First address of the range. */
  start: bigint;
  /** Address as written (host bits may be set). */
  value: bigint;
  bits: number;
}

function v6ToBigInt(addr: string): bigint {
  const [head = "", tail = ""] = addr.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = addr.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || "0", 16)), 0n);
}

export function cidrRange(cidr: string): CidrRange | undefined {
  const p = parseCidr(cidr);
  if (!p) return undefined;
  const bits = p.family === 4 ? 32 : 128;
  const value = p.family === 4 ? p.address.split(".").reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n) : v6ToBigInt(p.address);
  const hostBits = BigInt(bits - p.prefix);
  const start = (value >> hostBits) << hostBits;
  return { ...p, start, value, bits };
}

const size = (r: CidrRange): bigint => 1n << BigInt(r.bits - r.prefix);

export function hasHostBits(r: CidrRange): boolean {
  return r.value !== r.start;
}

export function contains(outer: CidrRange, inner: CidrRange): boolean {
  return outer.family === inner.family && inner.prefix >= outer.prefix && inner.start >= outer.start && inner.start + size(inner) <= outer.start + size(outer);
}

export function overlaps(a: CidrRange, b: CidrRange): boolean {
  return a.family === b.family && a.start < b.start + size(b) && b.start < a.start + size(a);
}

/** RFC 1918 private IPv4 space. */
export const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((c) => cidrRange(c) as CidrRange);

export function isRfc1918(r: CidrRange): boolean {
  return RFC1918.some((p) => contains(p, r));
}

export function ipInRange(ip: string, r: CidrRange): boolean {
  const host = cidrRange(`${ip}/${r.family === 4 ? 32 : 128}`);
  return host !== undefined && contains(r, host);
}
