/**
 * What an update would break: a replacement the cloud refuses, an outage, lost data. Mandatory findings fail the
 * update plan (exit 1); advisory ones are reported. Each rule says where the cloud's behaviour comes from.
 */
import { autonameSpec } from "../provider-rules/autonaming";
import { type Diff, type ResourceStep, runs } from "./diff";

export interface Finding {
  rule: "replace-refused" | "outage" | "overlap" | "data-loss";
  /** accepted: mandatory, but the caller took it on with --accept. */
  level: "mandatory" | "advisory" | "accepted";
  urns: string[];
  message: string;
  source?: string;
}

/** Resources whose replacement or deletion loses what they hold. */
const HOLDS_DATA: Record<string, string> = {
  "aws:s3/bucket:Bucket": "its objects (the model files)",
  "aws:s3/bucketV2:BucketV2": "its objects (the model files)",
  "gcp:storage/bucket:Bucket": "its objects (the model files)",
  "aws:kms/key:Key": "the key: what it encrypted cannot be read once it is deleted",
  "gcp:kms/cryptoKey:CryptoKey": "the key's versions: what they encrypted cannot be read once they are destroyed",
  "gcp:kms/keyRing:KeyRing": "its keys",
  "hcloud:index/volume:Volume": "its data",
  "aws:ebs/volume:Volume": "its data",
  "hcloud:index/primaryIp:PrimaryIp": "its address, which DNS and clients point at",
  "gcp:compute/globalAddress:GlobalAddress": "its address, which DNS and clients point at",
  "aws:ec2/eip:Eip": "its address, which DNS and clients point at",
};

/** Inputs that pin something only one resource can hold at a time (the new server cannot get it while the old lives). */
const EXCLUSIVE: Record<string, Array<{ path: string[]; what: string; source: string }>> = {
  "hcloud:index/server:Server": [
    { path: ["publicNets", "ipv4"], what: "primary IPv4", source: "Hetzner Cloud API: assigning a primary IP that is assigned fails with primary_ip_assigned (hetznercloud/hcloud-go hcloud/error.go ErrorCodePrimaryIPAssigned)" },
    { path: ["publicNets", "ipv6"], what: "primary IPv6", source: "Hetzner Cloud API: primary_ip_assigned (hetznercloud/hcloud-go hcloud/error.go ErrorCodePrimaryIPAssigned)" },
    { path: ["networks", "ip"], what: "private IP", source: "Hetzner Cloud API: an IP in use in the network fails with ip_not_available (hetznercloud/hcloud-go hcloud/error.go ErrorCodeIPNotAvailable)" },
  ],
};

const UNIQUE_NAME_SOURCE = "names are unique per project, account or region for every type the providers autoname (Hetzner: uniqueness_error; AWS: *AlreadyExists; GCP: 409 alreadyExists)";

function at(v: unknown, path: string[]): unknown[] {
  if (path.length === 0) return v === undefined || v === null ? [] : [v];
  if (Array.isArray(v)) return v.flatMap((x) => at(x, path));
  if (v && typeof v === "object") return at((v as Record<string, unknown>)[path[0] as string], path.slice(1));
  return [];
}

function replaceRefused(s: ResourceStep): Finding[] {
  const out: Finding[] = [];
  if ((s.action === "replace" || s.action === "delete") && s.options.protect) {
    out.push({ rule: "replace-refused", level: "mandatory", urns: [s.urn], message: `${s.name} is protected: the engine refuses to ${s.action} it (unprotect it in a separate change first)`, source: "Pulumi: a protected resource cannot be deleted or replaced" });
  }
  if (s.action !== "replace" || s.deleteFirst) return out;
  const before = s.inputs.before ?? {};
  const after = s.inputs.after ?? {};
  const spec = autonameSpec(s.type);
  if (spec && s.autonamed === undefined) {
    const [was, is] = [before[spec.field], after[spec.field]];
    if (is !== undefined && JSON.stringify(was) === JSON.stringify(is)) {
      out.push({ rule: "replace-refused", level: "mandatory", urns: [s.urn], message: `${s.name} is replaced create-first under the same ${spec.field} ${JSON.stringify(is)}, which the old one still holds; set deleteBeforeReplace or let the provider name it`, source: UNIQUE_NAME_SOURCE });
    }
  }
  for (const e of EXCLUSIVE[s.type] ?? []) {
    const held = at(after, e.path).filter((v) => at(before, e.path).some((w) => JSON.stringify(w) === JSON.stringify(v)));
    if (held.length > 0) out.push({ rule: "replace-refused", level: "mandatory", urns: [s.urn], message: `${s.name} is replaced create-first with the ${e.what} ${held.map(String).join(", ")} the old one still holds; set deleteBeforeReplace`, source: e.source });
  }
  return out;
}

function dataLoss(s: ResourceStep): Finding[] {
  const holds = HOLDS_DATA[s.type];
  if (!holds || !(s.action === "replace" || s.action === "delete")) return [];
  const why = s.action === "replace" ? ` (replaced: ${s.replaceReasons.map((r) => r.path).join(", ")})` : "";
  // retainOnDelete keeps the old one in the cloud, but the stack (and every node) moves to a new, empty one.
  const kept = s.options.retainOnDelete ? "; the old one is kept outside the stack (retainOnDelete), and nothing of the stack uses it any more" : "";
  return [{ rule: "data-loss", level: "mandatory", urns: [s.urn], message: `${s.name} is ${s.action === "replace" ? "replaced" : "deleted"}${why}: the update loses ${holds}${kept}` }];
}

/** True when `later` waits, through the dependency graph, for a step that runs after `earlier` (a gate between them). */
function waitsBehind(diff: Diff, later: string, earlier: string): boolean {
  const dependsOn = (from: string, to: string, seen = new Set<string>()): boolean => {
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return (diff.byUrn.get(from)?.dependencies ?? []).some((d) => dependsOn(d, to, seen));
  };
  const between = diff.steps.filter((s) => s.urn !== later && s.urn !== earlier && runs(s) && dependsOn(s.urn, earlier));
  return between.some((g) => dependsOn(later, g.urn));
}

/** The most members that can be out at once: the largest set no two of which wait for each other. */
function widestOverlap(members: string[], ordered: (a: string, b: string) => boolean): string[] {
  let best: string[] = [];
  const n = members.length;
  if (n > 16) return members; // never kinder: too many to check pairwise subsets, assume all
  for (let mask = 1; mask < 1 << n; mask++) {
    const set = members.filter((_, i) => mask & (1 << i));
    if (set.length <= best.length) continue;
    if (set.every((a, i) => set.every((b, j) => i >= j || (!ordered(a, b) && !ordered(b, a))))) best = set;
  }
  return best;
}

/** Servers of one pool (the program's `pool` label): each replaced or stopped in place is out until it is back. */
function outages(diff: Diff): Finding[] {
  const groups = new Map<string, ResourceStep[]>();
  for (const s of diff.steps) {
    if (s.type !== "hcloud:index/server:Server" || s.action === "delete") continue;
    const pool = s.labels?.pool ?? s.name;
    groups.set(pool, [...(groups.get(pool) ?? []), s]);
  }
  const out: Finding[] = [];
  for (const [pool, members] of groups) {
    const down = members.filter((m) => m.action === "replace" || m.disruptive.length > 0);
    if (down.length === 0) continue;
    const how = (m: ResourceStep) => (m.action === "replace" ? "replaced" : `stopped in place (${m.disruptive.map((d) => `${d.path}: ${d.effect}`).join("; ")})`);
    if (members.length === 1) {
      out.push({ rule: "outage", level: "mandatory", urns: [down[0]?.urn as string], message: `${pool}: its only server ${down[0]?.name} is ${how(down[0] as ResourceStep)}; nothing serves until it is back` });
      continue;
    }
    const ordered = (a: string, b: string) => waitsBehind(diff, b, a);
    const overlap = widestOverlap(down.map((m) => m.urn), ordered);
    const names = overlap.map((u) => diff.byUrn.get(u)?.name).join(", ");
    if (overlap.length === members.length) {
      out.push({ rule: "outage", level: "mandatory", urns: overlap, message: `${pool}: all ${members.length} servers (${names}) can be out at once; nothing waits for one to be healthy before the next goes` });
    } else if (overlap.length > 1) {
      out.push({ rule: "overlap", level: "advisory", urns: overlap, message: `${pool}: ${overlap.length} of ${members.length} servers (${names}) can be out at once` });
    }
  }
  return out;
}

export function findings(diff: Diff): Finding[] {
  return [...diff.steps.flatMap(replaceRefused), ...outages(diff), ...diff.steps.flatMap(dataLoss)];
}
