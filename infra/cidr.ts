import { isIPv4, isIPv6 } from "node:net";

export interface ParsedCidr {
  family: 4 | 6;
  address: string;
  prefix: number;
}

/** Parses "a.b.c.d/n" or "x::y/n"; undefined when it is not a CIDR. */
export function parseCidr(value: string): ParsedCidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value.trim());
  if (!m) return undefined;
  const address = m[1] ?? "";
  const prefix = Number(m[2]);
  if (isIPv4(address) && prefix <= 32) return { family: 4, address, prefix };
  if (isIPv6(address) && prefix <= 128) return { family: 6, address, prefix };
  return undefined;
}

/** True for any source that covers the whole address space of its family. */
export function isWorldOpen(value: string): boolean {
  const p = parseCidr(value);
  if (p) return p.prefix === 0;
  return value === "0.0.0.0" || value === "::" || value === "*" || value === "any";
}
