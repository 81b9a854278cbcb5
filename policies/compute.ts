/** Node hardening: instance metadata, disks, identities, console access. */
import { secretValuesIn } from "../infra/secret-config";
import type { ResourcePolicy } from "./lib/policy";
import { asArray, num, type Props, str } from "./lib/values";

export const imdsv2Required: ResourcePolicy = {
  name: "imdsv2-required",
  description: "EC2 launch templates and instances require IMDSv2 tokens with a hop limit of 1.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_79 (IMDSv2), CKV_AWS_341 (hop limit 1)",
  remediationSteps: "metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 }. Containers then reach IMDS only with --network host.",
  validateResource: (args, report) => {
    if (args.type !== "aws:ec2/launchTemplate:LaunchTemplate" && args.type !== "aws:ec2/instance:Instance") return;
    const m = ((args.props as Props).metadataOptions ?? {}) as Props;
    if (m.httpEndpoint === "disabled") return;
    if (m.httpTokens !== "required") report(`${args.name}: metadataOptions.httpTokens is ${String(m.httpTokens ?? "unset (optional)")}; need "required" (IMDSv2)`);
    const hop = num(m.httpPutResponseHopLimit);
    if (hop !== 1) report(`${args.name}: metadataOptions.httpPutResponseHopLimit is ${hop ?? "unset"}; need 1`);
  },
};

export const encryptedVolumes: ResourcePolicy = {
  name: "encrypted-volumes",
  description: "EBS volumes are encrypted: launch template block devices (where `encrypted` is the string \"true\"), instance root and extra disks, standalone volumes.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_8, CKV_AWS_3",
  remediationSteps: "Launch templates: blockDeviceMappings[].ebs.encrypted = \"true\" (a string). Instances: rootBlockDevice.encrypted = true.",
  validateResource: (args, report) => {
    const p = args.props as Props;
    switch (args.type) {
      case "aws:ec2/launchTemplate:LaunchTemplate": {
        const devices = asArray<Props>(p.blockDeviceMappings).filter((d) => d.ebs);
        if (devices.length === 0) report(`${args.name}: no block device mapping, so the AMI's default (often unencrypted) root volume is used`);
        for (const d of devices) {
          const enc = (d.ebs as Props).encrypted;
          if (String(enc) !== "true") report(`${args.name}: ${String(d.deviceName)} is not encrypted (encrypted=${String(enc ?? "unset")})`);
        }
        break;
      }
      case "aws:ec2/instance:Instance": {
        if ((p.rootBlockDevice as Props | undefined)?.encrypted !== true) report(`${args.name}: root volume is not encrypted`);
        for (const d of asArray<Props>(p.ebsBlockDevices)) if (d.encrypted !== true) report(`${args.name}: ${String(d.deviceName)} is not encrypted`);
        break;
      }
      case "aws:ebs/volume:Volume":
        if (p.encrypted !== true) report(`${args.name}: volume is not encrypted`);
        break;
      default:
        break;
    }
  },
};

const CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";

/**
 * Scopes only cap what a VM's service account may do; its IAM grants decide. Google recommends the cloud-platform
 * scope with a dedicated, narrowly granted service account (cloud.google.com/compute/docs/access/service-accounts (access scopes),
 * and "As a best practice, grant the cloud-platform access scope on your VM instance. Then, to restrict resource access,
 * grant only the required IAM roles": cloud.google.com/sdk/gcloud/reference/compute/instances/set-service-account),
 * and Secret Manager needs it on Compute Engine. What must not happen is the default compute account, least of all
 * with full API access. The account's grants are checked by iam-no-admin-grants.
 */
export const gcpNodeIdentity: ResourcePolicy = {
  name: "gcp-node-identity",
  description: "GCP instances and templates run as a dedicated service account, never the default compute account (and never the default account with the cloud-platform scope); cloud-platform is allowed with a dedicated account, as Google recommends, because its IAM grants decide.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_GCP_30, CKV_GCP_31; trivy GCP-0044; regula FG_R00411, FG_R00412",
  remediationSteps: "Create a service account for the pool (serviceAccount: { email: <its email>, scopes: ['cloud-platform'] }) and grant it only the roles it needs, on the resources it needs (see GcpBurstPool).",
  validateResource: (args, report) => {
    if (!["gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/instance:Instance", "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"].includes(args.type)) return;
    const sa = (args.props as Props).serviceAccount as Props | undefined;
    const email = str(sa?.email);
    const isDefault = !sa || !email || email === "default" || /-compute@developer\.gserviceaccount\.com$/.test(email);
    const scopes = asArray<string>(sa?.scopes);
    const full = scopes.some((s) => s === CLOUD_PLATFORM || s === "cloud-platform");
    if (isDefault) report(`${args.name} uses the default compute service account${full ? " with the cloud-platform scope (full access to every API the project's editor role allows)" : ""}`);
  },
};

export const gcpOsLogin: ResourcePolicy = {
  name: "gcp-os-login-no-serial",
  description: "GCP instances and templates use OS Login, block project-wide SSH keys and keep the serial port closed.",
  severity: "medium",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_GCP_32 (block project SSH keys), CKV_GCP_34 (OS Login), CKV_GCP_35 (serial port)",
  remediationSteps: "metadata: { 'enable-oslogin': 'TRUE', 'block-project-ssh-keys': 'TRUE', 'serial-port-enable': 'FALSE' }.",
  validateResource: (args, report) => {
    if (!["gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/instance:Instance", "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"].includes(args.type)) return;
    const md = ((args.props as Props).metadata ?? {}) as Props;
    const yes = (v: unknown) => ["true", "1"].includes(String(v).toLowerCase());
    if (!yes(md["enable-oslogin"])) report(`${args.name}: metadata enable-oslogin is not TRUE`);
    if (!yes(md["block-project-ssh-keys"])) report(`${args.name}: metadata block-project-ssh-keys is not TRUE`);
    if (yes(md["serial-port-enable"])) report(`${args.name}: the serial port is enabled`);
  },
};

/** User data and startup scripts are readable by every process that reaches the metadata service: no credentials in them. */
export const noCredentialsInUserData: ResourcePolicy = {
  name: "no-credentials-in-user-data",
  description: "AWS launch templates and instances and GCP templates and instances carry no credentials in their user data or startup scripts (AWS access keys, private keys, tokens, AWS_SECRET_ACCESS_KEY assignments); nodes read their secrets from SSM or Secret Manager at boot.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV_AWS_46; trivy AWS-0129, AWS-0029; value patterns from gitleaks' default rules (infra/secret-config.ts)",
  remediationSteps: "Store the secret in SSM (SecureString) or Secret Manager and read it at boot with the node's own identity, as node-setup.sh does for the API key.",
  validateResource: (args, report) => {
    const p = args.props as Props;
    let text: string | undefined;
    if (args.type === "aws:ec2/launchTemplate:LaunchTemplate" || args.type === "aws:ec2/instance:Instance") {
      const raw = str(p.userData) ?? (str(p.userDataBase64) ? Buffer.from(String(p.userDataBase64), "base64").toString("utf8") : undefined);
      text = raw && /^[A-Za-z0-9+/=\s]+$/.test(raw) && args.type === "aws:ec2/launchTemplate:LaunchTemplate" ? Buffer.from(raw, "base64").toString("utf8") : raw;
    }
    if (["gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate", "gcp:compute/instance:Instance"].includes(args.type)) {
      const md = (p.metadata ?? {}) as Props;
      text = [str(p.metadataStartupScript), str(md["startup-script"]), str(md["user-data"])].filter(Boolean).join("\n");
    }
    if (!text) return;
    const found = secretValuesIn(text);
    if (/AWS_SECRET_ACCESS_KEY\s*=\s*\S/.test(text)) found.push("an AWS secret access key assignment");
    for (const what of found) report(`${args.name}: user data carries ${what}`);
  },
};

export const computePolicies = [imdsv2Required, encryptedVolumes, gcpNodeIdentity, gcpOsLogin, noCredentialsInUserData];
