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

const HCLOUD: PriceSource = { source: "hetzner.com/cloud price list, Germany/Finland, excl. VAT, incl. primary IPv4", asOf: "2026-11-02" };
const AWS_OD: PriceSource = { source: "AWS EC2 on-demand price list, eu-central-1, Linux; spot: 30-day median from spot price history", asOf: "2026-11-02" };
const GCP_OD: PriceSource = { source: "GCP Compute Engine price list, europe-west4; spot: published spot price", asOf: "2026-11-02" };

const entries: InstanceType[] = [
  // Hetzner Cloud (shared vCPU: cx, cpx; dedicated vCPU: ccx). No spot market.
  { cloud: "hetzner", name: "cx22", vcpu: 2, memoryGiB: 4, dedicatedCpu: false, currency: "EUR", onDemandHourly: 0.0071, price: HCLOUD },
  { cloud: "hetzner", name: "cx32", vcpu: 4, memoryGiB: 8, dedicatedCpu: false, currency: "EUR", onDemandHourly: 0.0119, price: HCLOUD },
  { cloud: "hetzner", name: "cx42", vcpu: 8, memoryGiB: 16, dedicatedCpu: false, currency: "EUR", onDemandHourly: 0.0289, price: HCLOUD },
  { cloud: "hetzner", name: "cx52", vcpu: 16, memoryGiB: 32, dedicatedCpu: false, currency: "EUR", onDemandHourly: 0.0554, price: HCLOUD },
  { cloud: "hetzner", name: "cpx31", vcpu: 4, memoryGiB: 8, dedicatedCpu: false, currency: "EUR", onDemandHourly: 0.0244, price: HCLOUD },
  { cloud: "hetzner", name: "cpx41", vcpu: 8, memoryGiB: 16, dedicatedCpu: false, currency: "EUR", onDemandHourly: 0.0453, price: HCLOUD },
  { cloud: "hetzner", name: "ccx23", vcpu: 4, memoryGiB: 16, dedicatedCpu: true, currency: "EUR", onDemandHourly: 0.0424, price: HCLOUD },
  { cloud: "hetzner", name: "ccx33", vcpu: 8, memoryGiB: 32, dedicatedCpu: true, currency: "EUR", onDemandHourly: 0.0832, price: HCLOUD },
  { cloud: "hetzner", name: "ccx43", vcpu: 16, memoryGiB: 64, dedicatedCpu: true, currency: "EUR", onDemandHourly: 0.1655, price: HCLOUD },
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
  "hcloud/lb11": { currency: "EUR", hourly: 0.0088, source: "hetzner.com/cloud load balancer LB11", asOf: "2026-11-02" },
  "hcloud/lb21": { currency: "EUR", hourly: 0.0272, source: "hetzner.com/cloud load balancer LB21", asOf: "2026-11-02" },
  "hcloud/lb31": { currency: "EUR", hourly: 0.0536, source: "hetzner.com/cloud load balancer LB31", asOf: "2026-11-02" },
  "aws/nlb": { currency: "USD", hourly: 0.0270, source: "AWS ELB price list, eu-central-1, NLB hour (LCUs extra)", asOf: "2026-11-02" },
  "aws/nat-gateway": { currency: "USD", hourly: 0.0520, source: "AWS VPC price list, eu-central-1, NAT gateway hour (data extra)", asOf: "2026-11-02" },
  "gcp/forwarding-rule": { currency: "USD", hourly: 0.0250, source: "GCP Cloud Load Balancing, first 5 forwarding rules", asOf: "2026-11-02" },
  "gcp/cloud-nat": { currency: "USD", hourly: 0.0014, source: "GCP Cloud NAT, per VM hour up to 32 VMs (data extra)", asOf: "2026-11-02" },
};
