/**
 * What a node needs to serve at all, checked from the rendered boot scripts: the image it pulls must be the one the
 * image workflow publishes (.github/workflows/image.yml, inference-image/publish.json), pinned by digest.
 */
import publish from "../../inference-image/publish.json";
import { get, str } from "./read";
import type { Finding, ProviderRule, RuleResource } from "./types";

/** The inputs that carry a node's boot script, per type, and how to read them. */
const CARRIERS: Record<string, { field: string; decode?: "base64" }> = {
  "aws:ec2/launchTemplate:LaunchTemplate": { field: "userData", decode: "base64" },
  "aws:ec2/instance:Instance": { field: "userData" },
  "gcp:compute/instanceTemplate:InstanceTemplate": { field: "metadataStartupScript" },
  "gcp:compute/instance:Instance": { field: "metadataStartupScript" },
  "hcloud:index/server:Server": { field: "userData" },
  "command:remote:Command": { field: "stdin" },
};

/** The HI_IMAGE a boot script exports, also when the script is carried base64-encoded inside an SSH install script. */
export function imagesIn(text: string): string[] {
  const found = [...text.matchAll(/HI_IMAGE='([^']+)'/g)].map((m) => m[1] ?? "");
  for (const b64 of text.matchAll(/printf '%s' '([A-Za-z0-9+/=]{40,})' \| base64 -d/g)) found.push(...imagesIn(Buffer.from(b64[1] ?? "", "base64").toString("utf8")));
  return found;
}

export const nodeImagePublished: ProviderRule = {
  id: "node-image-published",
  types: Object.keys(CARRIERS),
  description: "Every node pulls the image the image workflow publishes (inference-image/publish.json), pinned by digest: anything else is never built, or can change under the node.",
  phase: "up",
  source: ".github/workflows/image.yml builds inference-image/Dockerfile and pushes it to the repository in inference-image/publish.json; nodes pull it anonymously (docs/runbook.md, The node image)",
  check: (r: RuleResource): Finding[] => {
    const carrier = CARRIERS[r.type];
    if (!carrier) return [];
    const raw = str(get(r.inputs, carrier.field));
    if (raw === undefined) return [];
    const text = carrier.decode === "base64" ? Buffer.from(raw, "base64").toString("utf8") : raw;
    return imagesIn(text).flatMap((image) => {
      const repo = image.replace(/@sha256:[a-f0-9]{64}$/, "").replace(/:[A-Za-z0-9._-]+$/, "");
      const out: Finding[] = [];
      if (repo !== publish.repository) out.push({ field: carrier.field, value: image, message: `the node pulls ${repo}, which nothing in this project publishes; the image workflow pushes ${publish.repository}` });
      if (!/@sha256:[a-f0-9]{64}$/.test(image)) out.push({ field: carrier.field, value: image, message: `the node image ${image} is not pinned by digest` });
      return out;
    });
  },
};

export const fleetRules: ProviderRule[] = [nodeImagePublished];
