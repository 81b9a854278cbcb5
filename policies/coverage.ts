/**
 * The peer scanners' checks held against this program: every Checkov, trivy and regula check that applies to a
 * resource type the program creates, with the policy of this pack that enforces it, or why none does.
 *
 * Read from the scanners' own rule sources: bridgecrewio/checkov checkov/terraform/checks (resource and graph checks,
 * 2026-08-20), aquasecurity/trivy-checks checks/cloud (2026-08-21; trivy IDs are AVD-<id>), fugue/regula
 * rego/rules/tf (2024-09-03, its last release). A check "applies" when its supported resources include a Terraform
 * type this program creates (the Pulumi types map one to one: aws:s3/bucket:Bucket is aws_s3_bucket). docs/policies.md
 * renders this list; a test checks that every policy named here exists in the pack.
 */
export type Scanner = "checkov" | "trivy" | "regula";

export interface CoverageEntry {
  scanner: Scanner;
  /** One check, or several that say the same thing for different ports or resources. */
  ids: string[];
  title: string;
  /** The policies that enforce it. */
  policies?: string[];
  /** Why no policy does: not applicable to this program, left to another issue, or a documented decision. */
  reason?: string;
}

const NLB = "Not applicable: the AWS pool uses a network load balancer; the check is for application load balancers.";
const NO_TRAIL = "Not applicable: the program creates no CloudTrail trail (account-level trails are managed outside this stack).";
const SET_NOT_ENFORCED = (what: string) => `Not enforced by the pack: ${what} is set by the component and asserted by tests/infra/program.test.ts; it is hygiene or availability, not a boundary an attacker crosses.`;
const OTHER_PORTS = "Enforced for the ports in adminPorts (default 22 and 3389) and for every all-ports rule by no-world-open-admin-ingress; add a port to adminPorts in the stack's policy config to enforce it. No node runs this service.";
const NO_PORT_80 = "Enforced by burst-endpoints-not-world-open and tls-on-public-listeners: nothing listens on port 80 but the Hetzner load balancer's redirect to HTTPS, the burst load balancers admit only the routers, and node ports take traffic only from their load balancer.";
const EGRESS = "Not enforced: nodes need HTTPS (and HTTP for Ubuntu mirrors) to the internet through NAT for the image registry and the cloud APIs; egress is limited to ports 443 and 80, not to addresses, because the registries' addresses are not fixed.";
const LIVE = "Not checkable from the program: a check of the live account (credential age and use). The key's rotation is one `pulumi up` (docs/runbook.md).";

export const COVERAGE: CoverageEntry[] = [
  // Checkov (bridgecrewio/checkov, checkov/terraform/checks)
  { scanner: "checkov", ids: ["CKV_AWS_2", "CKV_AWS_103", "CKV_AWS_378", "CKV2_AWS_20", "CKV2_AWS_74"], title: "Load balancer listeners use HTTPS/TLS 1.2+ with strong ciphers, HTTP redirects to HTTPS", policies: ["tls-on-public-listeners"] },
  { scanner: "checkov", ids: ["CKV_AWS_7"], title: "Rotation for customer-created CMKs is enabled", policies: ["kms-key-hardening"] },
  { scanner: "checkov", ids: ["CKV_AWS_18"], title: "S3 bucket has access logging enabled", policies: ["s3-bucket-hardening"] },
  { scanner: "checkov", ids: ["CKV_AWS_19"], title: "S3 bucket is encrypted at rest", policies: ["s3-bucket-hardening"] },
  { scanner: "checkov", ids: ["CKV_AWS_20", "CKV_AWS_57"], title: "S3 bucket ACL allows public READ / WRITE", policies: ["s3-no-public-grants", "s3-bucket-hardening"] },
  { scanner: "checkov", ids: ["CKV_AWS_21"], title: "S3 bucket has versioning enabled", policies: ["s3-bucket-hardening"] },
  { scanner: "checkov", ids: ["CKV_AWS_23"], title: "Every security group and rule has a description", reason: SET_NOT_ENFORCED("a description on every group and rule") },
  { scanner: "checkov", ids: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_277"], title: "No security group allows ingress from 0.0.0.0/0 to port 22, 3389, or all ports", policies: ["no-world-open-admin-ingress", "effective-ingress"] },
  { scanner: "checkov", ids: ["CKV_AWS_260"], title: "No security group allows ingress from 0.0.0.0/0 to port 80", policies: ["burst-endpoints-not-world-open", "effective-ingress"] },
  { scanner: "checkov", ids: ["CKV_AWS_382"], title: "No security group allows egress to 0.0.0.0/0", reason: EGRESS },
  { scanner: "checkov", ids: ["CKV_AWS_33"], title: "KMS key policy has no wildcard principal", policies: ["iam-no-wildcards"] },
  { scanner: "checkov", ids: ["CKV_AWS_46"], title: "No hard-coded secrets in EC2 user data", policies: ["no-credentials-in-user-data"] },
  { scanner: "checkov", ids: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6"], title: "S3 public access block with all four flags", policies: ["s3-bucket-hardening"] },
  { scanner: "checkov", ids: ["CKV_AWS_60", "CKV_AWS_61"], title: "IAM role trust allows only specific principals, not a whole account", policies: ["iam-no-wildcards"] },
  { scanner: "checkov", ids: ["CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_355", "CKV2_AWS_40"], title: "No IAM policy allows \"*\" actions, \"*\" resources or full IAM", policies: ["iam-no-wildcards"] },
  { scanner: "checkov", ids: ["CKV_AWS_286", "CKV_AWS_287", "CKV_AWS_288", "CKV_AWS_289", "CKV_AWS_290"], title: "IAM policies allow no privilege escalation, credentials exposure, exfiltration, permissions management or writes without constraints", policies: ["iam-no-wildcards"], reason: "These flag sensitive actions on Resource \"*\"; the pack forbids unbounded resources and wildcard actions outright." },
  { scanner: "checkov", ids: ["CKV_AWS_40"], title: "IAM policies attached only to groups or roles (aws_iam_user_policy, attachments)", policies: ["iam-user-keys-pinned"] },
  { scanner: "checkov", ids: ["CKV_AWS_66", "CKV_AWS_158", "CKV_AWS_338"], title: "CloudWatch log group encrypted with KMS, with retention (at least a year)", policies: ["secrets-and-logs-use-cmk"] },
  { scanner: "checkov", ids: ["CKV_AWS_70"], title: "S3 bucket policy allows no action to any principal", policies: ["s3-no-public-grants"] },
  { scanner: "checkov", ids: ["CKV_AWS_79", "CKV_AWS_341"], title: "IMDSv1 disabled, hop limit 1", policies: ["imdsv2-required"] },
  { scanner: "checkov", ids: ["CKV_AWS_88", "CKV_AWS_130"], title: "EC2 instances and subnets assign no public IP", policies: ["burst-nodes-private"], reason: "Mandatory in prod through its policy config; staging's burst nodes are public on purpose (no NAT gateway cost)." },
  { scanner: "checkov", ids: ["CKV_AWS_91"], title: "ELBv2 access logging enabled", reason: "Not enforced: network load balancer access logs cover TLS listeners only (docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html), and the pool's only client is the routers, whose HAProxy logs every request; VPC flow logs record the load balancer's traffic." },
  { scanner: "checkov", ids: ["CKV_AWS_93"], title: "S3 bucket policy does not lock out all but root", reason: "Not applicable: the bucket policies deny only requests without TLS." },
  { scanner: "checkov", ids: ["CKV_AWS_131", "CKV_AWS_328", "CKV2_AWS_28", "CKV2_AWS_76"], title: "ALB drops invalid headers, desync mitigation, WAF", reason: NLB },
  { scanner: "checkov", ids: ["CKV_AWS_143"], title: "S3 bucket has object lock enabled", reason: "Not enforced: versioning and noncurrent-version expiry are the recovery model; object lock would keep every checkpoint for the retention period, and on the log bucket it would block log delivery." },
  { scanner: "checkov", ids: ["CKV_AWS_144"], title: "S3 bucket has cross-region replication", reason: "Not enforced: model files are re-uploadable artifacts; a second region doubles storage cost for no security gain." },
  { scanner: "checkov", ids: ["CKV_AWS_145"], title: "S3 buckets encrypted with KMS by default", policies: ["s3-bucket-hardening"], reason: "Where the stack's policy config sets requireKms (prod). Log buckets keep SSE-S3, the only default encryption S3 server access logging supports." },
  { scanner: "checkov", ids: ["CKV_AWS_150"], title: "Load balancer has deletion protection", policies: ["lb-deletion-protection"], reason: "Mandatory in prod through its policy config." },
  { scanner: "checkov", ids: ["CKV_AWS_152"], title: "Network load balancer has cross-zone load balancing", reason: SET_NOT_ENFORCED("cross-zone load balancing") },
  { scanner: "checkov", ids: ["CKV_AWS_153"], title: "Auto Scaling group tags propagate to launched instances", policies: ["asg-tags-propagate"] },
  { scanner: "checkov", ids: ["CKV_AWS_227", "CKV2_AWS_64"], title: "KMS key enabled, with a key policy", policies: ["kms-key-hardening"] },
  { scanner: "checkov", ids: ["CKV_AWS_261", "CKV2_AWS_15"], title: "Target group health check; ASG uses ELB health checks", reason: SET_NOT_ENFORCED("the /health check and healthCheckType ELB") },
  { scanner: "checkov", ids: ["CKV_AWS_273"], title: "Access through SSO, not IAM users", reason: "Not satisfiable: the Hetzner nodes run outside AWS and need a long-lived credential. Mitigated by iam-user-keys-pinned: permissions only through a group, no console, every Allow pinned to the servers' primary IPs." },
  { scanner: "checkov", ids: ["CKV_AWS_274", "CKV2_AWS_56"], title: "No AWS-managed AdministratorAccess / IAMFullAccess", policies: ["iam-no-admin-grants"] },
  { scanner: "checkov", ids: ["CKV_AWS_300", "CKV2_AWS_61"], title: "S3 lifecycle configuration, aborting failed uploads", reason: SET_NOT_ENFORCED("the lifecycle rules (noncurrent expiry, aborted uploads, log expiry)") },
  { scanner: "checkov", ids: ["CKV_AWS_315"], title: "Auto Scaling groups use launch templates", policies: ["burst-pools-are-spot"], reason: "A mixed-instances policy, which burst-pools-are-spot requires, only takes launch templates." },
  { scanner: "checkov", ids: ["CKV_AWS_337", "CKV2_AWS_34"], title: "SSM parameters encrypted, with a customer-managed key", policies: ["secrets-and-logs-use-cmk"] },
  { scanner: "checkov", ids: ["CKV_AWS_348"], title: "No access keys for the root user", reason: "Not applicable: an aws.iam.AccessKey always belongs to an IAM user; root keys cannot be made by the program." },
  { scanner: "checkov", ids: ["CKV_AWS_393"], title: "GitHub Actions OIDC trust is scoped", reason: "Not applicable: the CI roles are made outside this program; its trusts are ec2.amazonaws.com and vpc-flow-logs.amazonaws.com." },
  { scanner: "checkov", ids: ["CKV2_AWS_1"], title: "Every NACL is attached to subnets", reason: "Not applicable: the program makes no network ACLs; every subnet uses the VPC's default ACL." },
  { scanner: "checkov", ids: ["CKV2_AWS_5"], title: "Security groups are attached to a resource", reason: "Not enforced: an unattached group opens nothing; every group the program makes is attached (load balancer, launch template)." },
  { scanner: "checkov", ids: ["CKV2_AWS_7", "CKV2_AWS_68"], title: "EMR security groups, SageMaker notebook roles", reason: "Not applicable: no EMR cluster or SageMaker notebook." },
  { scanner: "checkov", ids: ["CKV2_AWS_10"], title: "CloudTrail integrated with CloudWatch Logs", reason: NO_TRAIL },
  { scanner: "checkov", ids: ["CKV2_AWS_11"], title: "VPC flow logging enabled in every VPC", policies: ["aws-vpc-baseline"] },
  { scanner: "checkov", ids: ["CKV2_AWS_12"], title: "The default security group of every VPC restricts all traffic", policies: ["aws-vpc-baseline"] },
  { scanner: "checkov", ids: ["CKV2_AWS_14", "CKV2_AWS_21"], title: "IAM users are in groups; groups have users", policies: ["iam-user-keys-pinned"], reason: "A keyed user outside any group fails; an empty group grants nothing and is not checked." },
  { scanner: "checkov", ids: ["CKV2_AWS_22"], title: "IAM user has no console access", policies: ["iam-user-keys-pinned"] },
  { scanner: "checkov", ids: ["CKV2_AWS_19"], title: "EIPs attached to EC2 instances", reason: "Not applicable: the one Elastic IP belongs to the NAT gateway." },
  { scanner: "checkov", ids: ["CKV2_AWS_23", "CKV2_AWS_46", "CKV2_AWS_36"], title: "Route 53 records, CloudFront origins, Terraform HTTP data sources", reason: "Not applicable: no Route 53, CloudFront or Terraform data sources." },
  { scanner: "checkov", ids: ["CKV2_AWS_35", "CKV2_AWS_44"], title: "NAT gateway for the default route; peering routes", reason: "Not enforced: the private route table's default route is the NAT gateway (set by AwsNetwork); there is no peering." },
  { scanner: "checkov", ids: ["CKV2_AWS_62"], title: "S3 event notifications", reason: "Not applicable: nothing consumes bucket events; access is logged by server access logs." },
  { scanner: "checkov", ids: ["CKV2_AWS_65"], title: "S3 ACLs disabled (BucketOwnerEnforced)", policies: ["s3-bucket-hardening"] },
  { scanner: "checkov", ids: ["CKV_GCP_2", "CKV_GCP_3", "CKV2_GCP_12"], title: "GCP firewall allows no unrestricted SSH, RDP or all ports", policies: ["no-world-open-admin-ingress"] },
  { scanner: "checkov", ids: ["CKV_GCP_75", "CKV_GCP_77", "CKV_GCP_88"], title: "GCP firewall allows no unrestricted FTP (20, 21) or MySQL (3306)", reason: OTHER_PORTS },
  { scanner: "checkov", ids: ["CKV_GCP_106"], title: "GCP firewall allows no unrestricted port 80", reason: NO_PORT_80 },
  { scanner: "checkov", ids: ["CKV_GCP_26"], title: "VPC flow logs on every subnetwork", reason: SET_NOT_ENFORCED("the subnetwork's logConfig") },
  { scanner: "checkov", ids: ["CKV_GCP_28", "CKV2_GCP_9"], title: "Cloud Storage bucket not anonymously or publicly accessible", policies: ["gcs-no-public-members", "gcs-bucket-hardening"] },
  { scanner: "checkov", ids: ["CKV_GCP_29", "CKV_GCP_78", "CKV_GCP_114"], title: "Uniform bucket-level access, versioning, public access prevention", policies: ["gcs-bucket-hardening"] },
  { scanner: "checkov", ids: ["CKV_GCP_30", "CKV_GCP_31"], title: "Instances do not use the default service account (with full access)", policies: ["gcp-node-identity"] },
  { scanner: "checkov", ids: ["CKV_GCP_32", "CKV_GCP_34", "CKV_GCP_35"], title: "Block project SSH keys, OS Login, serial port off", policies: ["gcp-os-login-no-serial"] },
  { scanner: "checkov", ids: ["CKV_GCP_36", "CKV_GCP_39"], title: "No IP forwarding; Shielded VM", reason: SET_NOT_ENFORCED("Shielded VM (secure boot, vTPM, integrity monitoring) and the default canIpForward false") },
  { scanner: "checkov", ids: ["CKV_GCP_40"], title: "Instances have no public IP", policies: ["burst-nodes-private"], reason: "Mandatory in prod through its policy config." },
  { scanner: "checkov", ids: ["CKV_GCP_41", "CKV_GCP_42", "CKV_GCP_49", "CKV_GCP_117"], title: "No service-account user/token creator, admin or basic roles at project level", policies: ["iam-no-admin-grants"] },
  { scanner: "checkov", ids: ["CKV_GCP_46"], title: "The default service account is not granted at project level", reason: "Not enforced: the program grants roles only to the accounts it creates (tests/infra/program.test.ts lists them)." },
  { scanner: "checkov", ids: ["CKV_GCP_62", "CKV_GCP_63"], title: "Bucket logs access, not to itself", policies: ["gcs-data-access-logged"], reason: "Met with Cloud Audit Logs (DATA_READ and DATA_WRITE), which Google recommends over usage logs; Checkov reads only the bucket's logging block, so it still reports CKV_GCP_62." },
  { scanner: "checkov", ids: ["CKV_GCP_74", "CKV_GCP_76"], title: "Private Google Access on subnets (IPv4, IPv6)", reason: SET_NOT_ENFORCED("privateIpGoogleAccess on the IPv4-only subnetwork") },
  { scanner: "checkov", ids: ["CKV2_GCP_2", "CKV2_GCP_18"], title: "No legacy networks; networks define firewalls", reason: SET_NOT_ENFORCED("a custom-mode network with its own firewalls") },
  { scanner: "checkov", ids: ["CKV2_GCP_4"], title: "Log buckets use Bucket Lock", reason: "Not applicable: no GCS bucket receives logs (audit logs go to Cloud Logging)." },
  { scanner: "checkov", ids: ["CKV2_GCP_5"], title: "Audit logging for all services and users", policies: ["gcs-data-access-logged"], reason: "Data access logs are configured for Cloud Storage, with nobody exempted; all services would log every API read at a cost this stack does not need." },
  { scanner: "checkov", ids: ["CKV2_GCP_38"], title: "Global forwarding rule does not use an HTTP proxy with the EXTERNAL scheme", policies: ["tls-on-public-listeners"] },

  // trivy (aquasecurity/trivy-checks, checks/cloud)
  { scanner: "trivy", ids: ["AWS-0099", "AWS-0124"], title: "Security groups and rules have descriptions", reason: SET_NOT_ENFORCED("a description on every group and rule") },
  { scanner: "trivy", ids: ["AWS-0107", "AWS-0105"], title: "No unrestricted SSH/RDP ingress on security group rules and network ACLs", policies: ["no-world-open-admin-ingress", "effective-ingress"] },
  { scanner: "trivy", ids: ["AWS-0102"], title: "No network ACL rule allows all ports", policies: ["no-world-open-admin-ingress"], reason: "From the internet; the program makes no network ACLs." },
  { scanner: "trivy", ids: ["AWS-0104"], title: "No unrestricted egress", reason: EGRESS },
  { scanner: "trivy", ids: ["AWS-0130", "AWS-0028"], title: "IMDS session tokens required", policies: ["imdsv2-required"] },
  { scanner: "trivy", ids: ["AWS-0129", "AWS-0029"], title: "No secrets in (launch template) user data", policies: ["no-credentials-in-user-data"] },
  { scanner: "trivy", ids: ["AWS-0101"], title: "Do not use the default VPC", reason: "Not applicable: each pool makes its own VPC." },
  { scanner: "trivy", ids: ["AWS-0164"], title: "Subnets do not assign public IPs", policies: ["burst-nodes-private"] },
  { scanner: "trivy", ids: ["AWS-0178"], title: "VPC flow logs for every VPC", policies: ["aws-vpc-baseline"] },
  { scanner: "trivy", ids: ["AWS-0173"], title: "Default security group restricts all traffic", policies: ["aws-vpc-baseline"] },
  { scanner: "trivy", ids: ["AWS-0017"], title: "CloudWatch log groups encrypted with a CMK", policies: ["secrets-and-logs-use-cmk"] },
  { scanner: "trivy", ids: ["AWS-0053"], title: "Load balancer not exposed to the internet", policies: ["burst-endpoints-not-world-open"], reason: "The Hetzner load balancer is the fleet's one public endpoint by design; the AWS and GCP load balancers admit only the routers." },
  { scanner: "trivy", ids: ["AWS-0052"], title: "Load balancer drops invalid headers", reason: NLB },
  { scanner: "trivy", ids: ["AWS-0054", "AWS-0047"], title: "No plain HTTP; secure TLS policy", policies: ["tls-on-public-listeners"] },
  { scanner: "trivy", ids: ["AWS-0065"], title: "KMS keys rotate", policies: ["kms-key-hardening"] },
  { scanner: "trivy", ids: ["AWS-0123", "AWS-0145"], title: "IAM groups/users enforce MFA", reason: "Not applicable: the one IAM user is a machine identity with an access key and no console login (iam-user-keys-pinned forbids a login profile); MFA cannot apply to it." },
  { scanner: "trivy", ids: ["AWS-0345", "AWS-0057"], title: "No unrestricted S3 or wildcard IAM policies", policies: ["iam-no-wildcards"] },
  { scanner: "trivy", ids: ["AWS-0141"], title: "No root access keys", reason: "Not applicable: the program's access key belongs to an IAM user." },
  { scanner: "trivy", ids: ["AWS-0143"], title: "No IAM policies attached directly to users", policies: ["iam-user-keys-pinned"] },
  { scanner: "trivy", ids: ["AWS-0146", "AWS-0144", "AWS-0166", "AWS-0167"], title: "Access keys rotated within 90 days, unused credentials disabled, one active key per user", reason: LIVE },
  { scanner: "trivy", ids: ["AWS-0098", "AWS-0134"], title: "Secrets Manager with a CMK; SSM secrets not leaked over HTTP data sources", reason: "Not applicable: no Secrets Manager secrets (the key is an SSM SecureString under a CMK, see secrets-and-logs-use-cmk) and no Terraform data sources." },
  { scanner: "trivy", ids: ["AWS-0086", "AWS-0087", "AWS-0091", "AWS-0093", "AWS-0094"], title: "S3 public access block present with all flags", policies: ["s3-bucket-hardening"] },
  { scanner: "trivy", ids: ["AWS-0088", "AWS-0089", "AWS-0090"], title: "S3 encryption, logging, versioning", policies: ["s3-bucket-hardening"] },
  { scanner: "trivy", ids: ["AWS-0132"], title: "S3 encrypted with a customer-managed key", policies: ["s3-bucket-hardening"], reason: "Where requireKms is set (prod); the log bucket keeps SSE-S3, which S3 server access logging requires." },
  { scanner: "trivy", ids: ["AWS-0092"], title: "S3 buckets not public through ACLs", policies: ["s3-no-public-grants"] },
  { scanner: "trivy", ids: ["AWS-0171", "AWS-0172"], title: "CloudTrail S3 object-level (data event) logging", reason: "Not enforced: object access is recorded by S3 server access logs (s3-bucket-hardening); CloudTrail data events are priced per event and belong to the account's trail. " + NO_TRAIL },
  { scanner: "trivy", ids: ["AWS-0170"], title: "S3 MFA delete", reason: "Not enforced: MFA delete can only be turned on by the root user with an MFA device, not by automation; prod protects the buckets with protect/retainOnDelete and versioning instead." },
  { scanner: "trivy", ids: ["GCP-0027", "GCP-0071", "GCP-0070", "GCP-0072"], title: "GCP firewalls allow no unrestricted ingress, SSH, RDP or all ports", policies: ["no-world-open-admin-ingress"] },
  { scanner: "trivy", ids: ["GCP-0074"], title: "GCP firewall rules without large port ranges", policies: ["no-world-open-admin-ingress"], reason: "A range from the internet that contains an admin port is flagged; other ranges are not, and the program opens single ports only." },
  { scanner: "trivy", ids: ["GCP-0073"], title: "Default firewall rules disabled", reason: "Not applicable: the pool's network is custom-mode and gets no default rules." },
  { scanner: "trivy", ids: ["GCP-0035"], title: "No unrestricted egress", reason: EGRESS },
  { scanner: "trivy", ids: ["GCP-0076", "GCP-0029"], title: "Subnetwork flow logs", reason: SET_NOT_ENFORCED("the subnetwork's logConfig") },
  { scanner: "trivy", ids: ["GCP-0075"], title: "Private Google Access on subnetworks", reason: SET_NOT_ENFORCED("privateIpGoogleAccess") },
  { scanner: "trivy", ids: ["GCP-0044"], title: "Instances do not use the default service account", policies: ["gcp-node-identity"] },
  { scanner: "trivy", ids: ["GCP-0030", "GCP-0036", "GCP-0032"], title: "Project-wide SSH keys blocked, OS Login not overridden, serial port off", policies: ["gcp-os-login-no-serial"] },
  { scanner: "trivy", ids: ["GCP-0031"], title: "Instances have no public IP", policies: ["burst-nodes-private"] },
  { scanner: "trivy", ids: ["GCP-0045", "GCP-0067", "GCP-0041", "GCP-0043"], title: "Shielded VM (integrity monitoring, secure boot, vTPM); no IP forwarding", reason: SET_NOT_ENFORCED("Shielded VM and the default canIpForward false") },
  { scanner: "trivy", ids: ["GCP-0066", "GCP-0033", "GCP-0034", "GCP-0037"], title: "Buckets and disks encrypted with customer-managed (or -supplied) keys", reason: "Not enforced: GCS and disks use Google-managed encryption. CMEK needs a Cloud KMS key ring and grants to the Storage and Compute service agents; left for a follow-up." },
  { scanner: "trivy", ids: ["GCP-0077"], title: "Cloud Storage bucket logging", policies: ["gcs-data-access-logged"], reason: "Met with data access audit logs, as Google recommends." },
  { scanner: "trivy", ids: ["GCP-0078", "GCP-0002"], title: "Bucket versioning, uniform bucket-level access", policies: ["gcs-bucket-hardening"] },
  { scanner: "trivy", ids: ["GCP-0001"], title: "Bucket not anonymously or publicly accessible", policies: ["gcs-no-public-members"] },
  { scanner: "trivy", ids: ["GCP-0079"], title: "IAM audit logging configured", policies: ["gcs-data-access-logged"] },
  { scanner: "trivy", ids: ["GCP-0007", "GCP-0011", "GCP-0005", "GCP-0009"], title: "No privileged service accounts; no service-account impersonation at project, folder or organization level", policies: ["iam-no-admin-grants"] },
  { scanner: "trivy", ids: ["GCP-0004", "GCP-0006", "GCP-0008"], title: "No roles for the default service account at folder, project or organization level", reason: "Not enforced: the program grants roles only to the accounts it creates." },
  { scanner: "trivy", ids: ["GCP-0003", "GCP-0069"], title: "No IAM granted directly to users; no personal emails", reason: "Not enforced: every grant the program makes is to a service account it creates." },

  // regula (fugue/regula, rego/rules/tf)
  { scanner: "regula", ids: ["FG_R00007"], title: "IAM policies are not attached to users", policies: ["iam-user-keys-pinned"] },
  { scanner: "regula", ids: ["FG_R00014"], title: "Auto Scaling groups span two or more availability zones", reason: "Not enforced: hybrid-inference:aws.availabilityZones is validated to at least 2 by the config schema." },
  { scanner: "regula", ids: ["FG_R00010", "FG_R00028", "FG_R00031", "FG_R00035"], title: "CloudFront origins; CloudTrail log bucket ACLs, logging and encryption", reason: NO_TRAIL },
  { scanner: "regula", ids: ["FG_R00036"], title: "KMS CMK rotation enabled", policies: ["kms-key-hardening"] },
  { scanner: "regula", ids: ["FG_R00085", "FG_R00087", "FG_R00045", "FG_R00044", "FG_R00350"], title: "Security groups allow no SSH, RDP or all-ports ingress from 0.0.0.0/0 or any public address", policies: ["no-world-open-admin-ingress", "effective-ingress"] },
  { scanner: "regula", ids: ["FG_R00037", "FG_R00038", "FG_R00039", "FG_R00040", "FG_R00212", "FG_R00213", "FG_R00214", "FG_R00215", "FG_R00216", "FG_R00217", "FG_R00242", "FG_R00243", "FG_R00244", "FG_R00245", "FG_R00246", "FG_R00247", "FG_R00248", "FG_R00249", "FG_R00256", "FG_R00257", "FG_R00258", "FG_R00259", "FG_R00260", "FG_R00261", "FG_R00262", "FG_R00263", "FG_R00264", "FG_R00265", "FG_R00266", "FG_R00267", "FG_R00268"], title: "Security groups allow no ingress from 0.0.0.0/0 to VNC, Telnet, Elasticsearch, etcd, MongoDB, Memcached, MSSQL, NetBIOS, Oracle, SMB, MySQL, SaltStack, PostgreSQL, Cassandra, LDAP, 3000/8000", reason: OTHER_PORTS },
  { scanner: "regula", ids: ["FG_R00041", "FG_R00377"], title: "No ingress from 0.0.0.0/0 to port 80 (unless from ELBs), or to anything but 80/443", reason: NO_PORT_80 },
  { scanner: "regula", ids: ["FG_R00054"], title: "VPC flow logging enabled", policies: ["aws-vpc-baseline"] },
  { scanner: "regula", ids: ["FG_R00066"], title: "Load balancer access logging enabled", reason: "Not enforced: network load balancer access logs cover TLS listeners only, and the pool's only client is the routers, whose HAProxy logs every request; VPC flow logs record the traffic." },
  { scanner: "regula", ids: ["FG_R00068"], title: "CloudWatch log groups encrypted with a CMK", policies: ["secrets-and-logs-use-cmk"] },
  { scanner: "regula", ids: ["FG_R00089"], title: "VPC default security group restricts all traffic", policies: ["aws-vpc-baseline"] },
  { scanner: "regula", ids: ["FG_R00092", "FG_R00218", "FG_R00220"], title: "No full \"*:*\" IAM policies; no broad S3 list actions for roles and users", policies: ["iam-no-wildcards"] },
  { scanner: "regula", ids: ["FG_R00099", "FG_R00100", "FG_R00101", "FG_R00229", "FG_R00274"], title: "S3 encryption, HTTPS-only policy, versioning and lifecycle, all block-public-access flags, access logging", policies: ["s3-bucket-hardening"], reason: "Lifecycle rules are set by S3Checkpoints, not enforced." },
  { scanner: "regula", ids: ["FG_R00210", "FG_R00211", "FG_R00277", "FG_R00279"], title: "S3 bucket policies and ACLs allow no public access", policies: ["s3-no-public-grants", "s3-bucket-hardening"] },
  { scanner: "regula", ids: ["FG_R00219", "FG_R00255"], title: "Role trust policies: not all principals; MFA or external ID for account trusts", policies: ["iam-no-wildcards"] },
  { scanner: "regula", ids: ["FG_R00252"], title: "KMS keys not publicly accessible", policies: ["iam-no-wildcards"] },
  { scanner: "regula", ids: ["FG_R00272"], title: "IAM users are members of a group", policies: ["iam-user-keys-pinned"] },
  { scanner: "regula", ids: ["FG_R00275"], title: "S3 bucket replication", reason: "Not enforced: model files are re-uploadable artifacts; see CKV_AWS_144." },
  { scanner: "regula", ids: ["FG_R00354", "FG_R00355"], title: "S3 object-level CloudTrail logging for reads and writes", reason: "Not enforced: server access logs record object access (s3-bucket-hardening). " + NO_TRAIL },
  { scanner: "regula", ids: ["FG_R00383"], title: "Service accounts have only Google-managed keys", reason: "Not enforced: the program creates no service-account keys; the Hetzner GCS reader (modelSource gcp only) uses an HMAC key, which this rule does not cover." },
  { scanner: "regula", ids: ["FG_R00384", "FG_R00385"], title: "User-managed service accounts have no admin roles; no project-level service-account user/token creator", policies: ["iam-no-admin-grants"] },
  { scanner: "regula", ids: ["FG_R00389", "FG_R00391"], title: "Audit log config includes DATA_READ and DATA_WRITE and exempts nobody", policies: ["gcs-data-access-logged"] },
  { scanner: "regula", ids: ["FG_R00393"], title: "Logging storage buckets use retention and Bucket Lock", reason: "Not applicable: no GCS bucket receives logs." },
  { scanner: "regula", ids: ["FG_R00407", "FG_R00408"], title: "Network firewall rules allow no SSH or RDP from 0.0.0.0/0", policies: ["no-world-open-admin-ingress"] },
  { scanner: "regula", ids: ["FG_R00409", "FG_R00438"], title: "Subnet flow logs; Private Google Access", reason: SET_NOT_ENFORCED("the subnetwork's logConfig and privateIpGoogleAccess") },
  { scanner: "regula", ids: ["FG_R00411", "FG_R00412"], title: "Instances do not use the default service account (with full access)", policies: ["gcp-node-identity"] },
  { scanner: "regula", ids: ["FG_R00413", "FG_R00415"], title: "block-project-ssh-keys on; serial ports off", policies: ["gcp-os-login-no-serial"] },
  { scanner: "regula", ids: ["FG_R00416", "FG_R00418"], title: "No IP forwarding; Shielded VM", reason: SET_NOT_ENFORCED("Shielded VM and the default canIpForward false") },
  { scanner: "regula", ids: ["FG_R00417"], title: "Instance disks encrypted with customer-supplied keys", reason: "Not enforced: Google-managed disk encryption; customer-supplied keys would have to be handed to every Spot VM at creation." },
  { scanner: "regula", ids: ["FG_R00419"], title: "Instances have no public IP", policies: ["burst-nodes-private"] },
  { scanner: "regula", ids: ["FG_R00420"], title: "Storage buckets not anonymously or publicly accessible", policies: ["gcs-no-public-members"] },
  { scanner: "regula", ids: ["FG_R00421"], title: "Uniform bucket-level access", policies: ["gcs-bucket-hardening"] },
];
