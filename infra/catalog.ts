/**
 * The instance catalog: the one source of truth for instance sizes and prices.
 * Config validation, the launch spec, the cost estimate and the cost policies all read from here.
 */

export type Cloud = "hetzner" | "aws" | "gcp";
export type Currency = "USD" | "EUR";

export interface PriceSource {
  /** Where the figure was read. */
  source: string;
  /** ISO date the figure was read. */
  asOf: string;
}

export interface InstanceType {
  cloud: Cloud;
  name: string;
  vcpu: number;
  memoryGiB: number;
  /** Dedicated (not shared) vCPUs. */
  dedicatedCpu: boolean;
  currency: Currency;
  onDemandHourly: number;
  /** Typical spot price; undefined where the cloud has no spot market (Hetzner). */
  spotHourly?: number;
  /** Locations that sell the type, where the source says; undefined when every location of the cloud does or it is unknown. */
  locations?: string[];
  price: PriceSource;
}

/** Exchange rate used to put every figure in one currency. */
export const FX_TO_USD: Record<Currency, number> & PriceSource = {
  USD: 1,
  EUR: 1.08,
  source: "ECB euro reference rate",
  asOf: "2026-11-02",
};

/** Hours in an average month (730 = 8760 / 12), the convention the clouds' calculators use. */
export const HOURS_PER_MONTH = 730;

/**
 * Hetzner Cloud, read 2026-12-03. Monthly prices in EUR excl. VAT, Germany/Finland, with the primary IPv4
 * (hetzner.com/cloud as read in September 2026 after the April and June 2026 price changes; the site API's figures
 * include the IPv4, the price-adjustment table's do not, and differ by exactly the EUR 0.50 IPv4 price). Hetzner
 * bills hourly up to that monthly cap, so the hourly figure here is the cap / 730 h: what an always-on node costs.
 * Check live prices with GET /v1/pricing before a budget decision.
 */
const HCLOUD: PriceSource = { source: "hetzner.com/cloud (website price API), EU, excl. VAT, incl. primary IPv4; monthly cap / 730 h", asOf: "2026-09-04" };
const HCLOUD_PLUS_IPV4: PriceSource = { source: "docs.hetzner.com price-adjustment table (excl. IPv4) + EUR 0.50 primary IPv4 (docs.hetzner.com/cloud/servers/primary-ips/overview); monthly cap / 730 h", asOf: "2026-09-08" };
const perHour = (monthlyEur: number) => Math.round((monthlyEur / 730) * 10000) / 10000;
/** Where the Regular Performance (CPX Gen 2) types are sold: the EU locations (hetzner.com/cloud/regular-performance). */
const EU = ["fsn1", "nbg1", "hel1"];

/** Network zones and their locations (docs.hetzner.com/cloud/networks/faq, "Network zone | Locations"). */
export const HCLOUD_LOCATIONS_BY_ZONE: Record<string, string[]> = {
  "eu-central": ["fsn1", "nbg1", "hel1"],
  "us-east": ["ash"],
  "us-west": ["hil"],
  "ap-southeast": ["sin"],
};

/**
 * Hetzner Cloud types that can no longer be ordered. CX Gen 2 and CPX Gen 1 were deprecated on 2025-10-16 and
 * removed from the API at the end of 2025 (API locations[].deprecation.unavailable_after 2025-12-31T23:59:59Z;
 * hetznercloud/packer-plugin-hcloud PR #317). Kept here so a stack that still names one gets a clear message.
 */
export const RETIRED_HCLOUD_TYPES: Record<string, { since: string; why: string; successor: string }> = {
  cx22: { since: "2025-12-31", why: "CX Gen 2 removed from the Hetzner Cloud API", successor: "cpx22" },
  cx32: { since: "2025-12-31", why: "CX Gen 2 removed from the Hetzner Cloud API", successor: "cpx32" },
  cx42: { since: "2025-12-31", why: "CX Gen 2 removed from the Hetzner Cloud API", successor: "cpx42" },
  cx52: { since: "2025-12-31", why: "CX Gen 2 removed from the Hetzner Cloud API", successor: "cpx62" },
  cpx11: { since: "2025-12-31", why: "CPX Gen 1 removed from the Hetzner Cloud API in the EU", successor: "cpx12" },
  cpx21: { since: "2025-12-31", why: "CPX Gen 1 removed from the Hetzner Cloud API in the EU", successor: "cpx22" },
  cpx31: { since: "2025-12-31", why: "CPX Gen 1 removed from the Hetzner Cloud API in the EU", successor: "cpx32" },
  cpx41: { since: "2025-12-31", why: "CPX Gen 1 removed from the Hetzner Cloud API in the EU", successor: "cpx42" },
  cpx51: { since: "2025-12-31", why: "CPX Gen 1 removed from the Hetzner Cloud API in the EU", successor: "cpx52" },
};
const AWS_OD: PriceSource = { source: "AWS EC2 on-demand price list, eu-central-1, Linux; spot: 30-day median from spot price history", asOf: "2026-11-02" };
const GCP_OD: PriceSource = { source: "GCP Compute Engine price list, europe-west4; spot: published spot price", asOf: "2026-11-02" };

const entries: InstanceType[] = [
  // Hetzner Cloud, orderable types (Regular Performance cpx: shared AMD vCPU; General Purpose ccx: dedicated vCPU). No
  // spot market. Cost-Optimized cx23-cx53 and Arm cax are left out: hetzner.com listed every one as "not available"
  // in September 2026. ccx63 is left out: no price was found.
  { cloud: "hetzner", name: "cpx12", vcpu: 1, memoryGiB: 2, dedicatedCpu: false, currency: "EUR", onDemandHourly: perHour(11.99), locations: EU, price: HCLOUD },
  { cloud: "hetzner", name: "cpx22", vcpu: 2, memoryGiB: 4, dedicatedCpu: false, currency: "EUR", onDemandHourly: perHour(19.99), locations: EU, price: HCLOUD },
  { cloud: "hetzner", name: "cpx32", vcpu: 4, memoryGiB: 8, dedicatedCpu: false, currency: "EUR", onDemandHourly: perHour(35.99), locations: EU, price: HCLOUD },
  { cloud: "hetzner", name: "cpx42", vcpu: 8, memoryGiB: 16, dedicatedCpu: false, currency: "EUR", onDemandHourly: perHour(69.99), locations: EU, price: HCLOUD },
  { cloud: "hetzner", name: "cpx52", vcpu: 12, memoryGiB: 24, dedicatedCpu: false, currency: "EUR", onDemandHourly: perHour(100.99), locations: EU, price: HCLOUD },
  { cloud: "hetzner", name: "cpx62", vcpu: 16, memoryGiB: 32, dedicatedCpu: false, currency: "EUR", onDemandHourly: perHour(130.49), locations: EU, price: HCLOUD },
  { cloud: "hetzner", name: "ccx13", vcpu: 2, memoryGiB: 8, dedicatedCpu: true, currency: "EUR", onDemandHourly: perHour(43.49), price: HCLOUD },
  { cloud: "hetzner", name: "ccx23", vcpu: 4, memoryGiB: 16, dedicatedCpu: true, currency: "EUR", onDemandHourly: perHour(85.99 + 0.5), price: HCLOUD_PLUS_IPV4 },
  { cloud: "hetzner", name: "ccx33", vcpu: 8, memoryGiB: 32, dedicatedCpu: true, currency: "EUR", onDemandHourly: perHour(138.49 + 0.5), price: HCLOUD_PLUS_IPV4 },
  { cloud: "hetzner", name: "ccx43", vcpu: 16, memoryGiB: 64, dedicatedCpu: true, currency: "EUR", onDemandHourly: perHour(275.99 + 0.5), price: HCLOUD_PLUS_IPV4 },
  { cloud: "hetzner", name: "ccx53", vcpu: 32, memoryGiB: 128, dedicatedCpu: true, currency: "EUR", onDemandHourly: perHour(533.49 + 0.5), price: HCLOUD_PLUS_IPV4 },
  // Hetzner dedicated (Robot) servers: monthly rent expressed per hour; managed over SSH, not by the cloud API.
  { cloud: "hetzner", name: "ax42", vcpu: 16, memoryGiB: 64, dedicatedCpu: true, currency: "EUR", onDemandHourly: 0.0630, price: { source: "hetzner.com/dedicated-rootserver AX42, monthly rent / 730", asOf: "2026-11-02" } },
  // AWS
  { cloud: "aws", name: "m7a.large", vcpu: 2, memoryGiB: 8, dedicatedCpu: true, currency: "USD", onDemandHourly: 0.1392, spotHourly: 0.0452, price: AWS_OD },
  { cloud: "aws", name: "r6a.large", vcpu: 2, memoryGiB: 16, dedicatedCpu: false, currency: "USD", onDemandHourly: 0.1368, spotHourly: 0.0419, price: AWS_OD },
  { cloud: "aws", name: "r7a.large", vcpu: 2, memoryGiB: 16, dedicatedCpu: true, currency: "USD", onDemandHourly: 0.1826, spotHourly: 0.0488, price: AWS_OD },
  { cloud: "aws", name: "r7i.large", vcpu: 2, memoryGiB: 16, dedicatedCpu: false, currency: "USD", onDemandHourly: 0.1596, spotHourly: 0.0461, price: AWS_OD },
  { cloud: "aws", name: "r6a.xlarge", vcpu: 4, memoryGiB: 32, dedicatedCpu: false, currency: "USD", onDemandHourly: 0.2736, spotHourly: 0.0851, price: AWS_OD },
  { cloud: "aws", name: "r7a.xlarge", vcpu: 4, memoryGiB: 32, dedicatedCpu: true, currency: "USD", onDemandHourly: 0.3652, spotHourly: 0.0983, price: AWS_OD },
  { cloud: "aws", name: "m7a.xlarge", vcpu: 4, memoryGiB: 16, dedicatedCpu: true, currency: "USD", onDemandHourly: 0.2784, spotHourly: 0.0902, price: AWS_OD },
  { cloud: "aws", name: "r7a.4xlarge", vcpu: 16, memoryGiB: 128, dedicatedCpu: true, currency: "USD", onDemandHourly: 1.4608, spotHourly: 0.4120, price: AWS_OD },
  // GCP
  { cloud: "gcp", name: "n2d-highmem-2", vcpu: 2, memoryGiB: 16, dedicatedCpu: false, currency: "USD", onDemandHourly: 0.1232, spotHourly: 0.0296, price: GCP_OD },
  { cloud: "gcp", name: "n2d-highmem-4", vcpu: 4, memoryGiB: 32, dedicatedCpu: false, currency: "USD", onDemandHourly: 0.2464, spotHourly: 0.0592, price: GCP_OD },
  { cloud: "gcp", name: "n2d-standard-4", vcpu: 4, memoryGiB: 16, dedicatedCpu: false, currency: "USD", onDemandHourly: 0.1863, spotHourly: 0.0447, price: GCP_OD },
  { cloud: "gcp", name: "e2-highmem-2", vcpu: 2, memoryGiB: 16, dedicatedCpu: false, currency: "USD", onDemandHourly: 0.1000, spotHourly: 0.0300, price: GCP_OD },
  { cloud: "gcp", name: "n2d-highmem-16", vcpu: 16, memoryGiB: 128, dedicatedCpu: false, currency: "USD", onDemandHourly: 0.9857, spotHourly: 0.2366, price: GCP_OD },
];

const byKey = new Map(entries.map((e) => [`${e.cloud}/${e.name}`, e]));

export const catalog: readonly InstanceType[] = entries;

export function instanceTypesFor(cloud: Cloud): string[] {
  return entries.filter((e) => e.cloud === cloud).map((e) => e.name);
}

/** Hetzner Cloud server types that can be ordered (the Robot dedicated types are not cloud server types). */
export function orderableHcloudTypes(): string[] {
  return entries.filter((e) => e.cloud === "hetzner" && !e.name.startsWith("ax")).map((e) => e.name);
}

export function findInstanceType(cloud: Cloud, name: string): InstanceType | undefined {
  return byKey.get(`${cloud}/${name}`);
}

export function getInstanceType(cloud: Cloud, name: string): InstanceType {
  const t = findInstanceType(cloud, name);
  if (!t) {
    throw new Error(`unknown ${cloud} instance type "${name}"; known: ${instanceTypesFor(cloud).join(", ")}`);
  }
  return t;
}

export function toUsd(amount: number, currency: Currency): number {
  return amount * FX_TO_USD[currency];
}

/** Hourly price in USD for running the type on the given market. */
export function hourlyUsd(t: InstanceType, market: "on-demand" | "spot"): number {
  const raw = market === "spot" ? (t.spotHourly ?? t.onDemandHourly) : t.onDemandHourly;
  return toUsd(raw, t.currency);
}

/** The most expensive of several types: what a mixed pool costs in the worst case. */
export function worstHourlyUsd(cloud: Cloud, names: readonly string[], market: "on-demand" | "spot"): number {
  return Math.max(0, ...names.map((n) => hourlyUsd(getInstanceType(cloud, n), market)));
}

/** Always-on managed services priced per hour (load balancers, NAT), by provider resource type and size. */
export interface ServicePrice extends PriceSource {
  currency: Currency;
  hourly: number;
}

export const SERVICE_PRICES: Record<string, ServicePrice> = {
  // lb11 and lb21: the API's hourly prices as hetznercloud/hcloud-python's fixtures recorded them (2026-07-20). No later
  // LB31 price was found, so its 2026-11-02 reading stays, marked as not re-read.
  "hcloud/lb11": { currency: "EUR", hourly: 0.0120, source: "Hetzner API load_balancer_types lb11 price_hourly net (hcloud-python fixture; EUR 7.49/month)", asOf: "2026-07-20" },
  "hcloud/lb21": { currency: "EUR", hourly: 0.0344, source: "Hetzner API load_balancer_types lb21 price_hourly net (hcloud-python fixture; EUR 21.49/month)", asOf: "2026-07-20" },
  "hcloud/lb31": { currency: "EUR", hourly: 0.0536, source: "hetzner.com/cloud load balancer LB31 (not re-read after the 2026 price changes)", asOf: "2026-11-02" },
  "aws/nlb": { currency: "USD", hourly: 0.0270, source: "AWS ELB price list, eu-central-1, NLB hour (LCUs extra)", asOf: "2026-11-02" },
  "aws/nat-gateway": { currency: "USD", hourly: 0.0520, source: "AWS VPC price list, eu-central-1, NAT gateway hour (data extra)", asOf: "2026-11-02" },
  "gcp/forwarding-rule": { currency: "USD", hourly: 0.0250, source: "GCP Cloud Load Balancing, first 5 forwarding rules", asOf: "2026-11-02" },
  // Cloud Armor Standard: $5 per policy and $1 per rule per month (requests extra: $0.75 per million).
  "gcp/cloud-armor-policy": { currency: "USD", hourly: 5 / 730, source: "cloud.google.com/armor/pricing, Standard tier, per policy per month / 730", asOf: "2026-12-03" },
  "gcp/cloud-armor-rule": { currency: "USD", hourly: 1 / 730, source: "cloud.google.com/armor/pricing, Standard tier, per rule per month / 730", asOf: "2026-12-03" },
  "gcp/cloud-nat": { currency: "USD", hourly: 0.0014, source: "GCP Cloud NAT, per VM hour up to 32 VMs (data extra)", asOf: "2026-11-02" },
};
