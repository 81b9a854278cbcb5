/**
 * The cold start projected to the prod model: download time at S3's per-connection throughput for a number of
 * ranged streams, plus the sha256 and llama-server's load scaled from what this machine measured. Pure arithmetic,
 * so the figures in docs/performance.md can be checked by hand.
 */

/**
 * AWS's guidance for downloads within a Region from S3 to EC2: "Make one concurrent request for each 85–90 MB/s of
 * desired network throughput" (about 15 to saturate a 10 Gb/s NIC). The lower end is used.
 */
export const S3_PER_CONNECTION_BYTES_PER_S = 85e6;
export const S3_PER_CONNECTION_SOURCE =
  "https://docs.aws.amazon.com/whitepapers/latest/s3-optimizing-performance-best-practices/horizontal-scaling-and-request-parallelization-for-high-throughput.html";

/** rclone's defaults (v1.60): up to 4 streams, one per 250 MiB, at least 2, for objects of 250 MiB or more. */
export const RCLONE_DEFAULT_STREAMS = 4;
export const RCLONE_DEFAULT_CUTOFF_BYTES = 250 * 1024 ** 2;

/** Spot notices: AWS's interruption notice and Google's preemption window (docs/runbook.md cites both). */
export const AWS_SPOT_NOTICE_S = 120;
export const GCP_SPOT_NOTICE_S = 30;

export interface ProjectionInputs {
  sizeBytes: number;
  /** The stream counts to project. */
  streams: number[];
  perConnectionBytesPerS: number;
  /** openssl's sha256 rate over a file in the page cache, measured here. */
  hashBytesPerS: number;
  /** llama-server from start to /health 200 on a model in the page cache, measured here, per byte of model. */
  loadMsPerByte: number;
  /** What the boot path spends beyond transfer, hash and load (process starts, checks), measured here. */
  otherMs: number;
}

export interface ProjectionRow {
  streams: number;
  download_s: number;
  hash_s: number;
  load_s: number;
  other_s: number;
  boot_to_healthy_s: number;
  /** The boot path's time over the download alone with the same streams. */
  ratio_to_transfer: number;
  /** The boot path's time over a bare `rclone copy` with rclone's defaults. */
  ratio_to_bare_copy: number;
}

export interface Projection {
  size_bytes: number;
  per_connection_mb_s: number;
  /** A bare `rclone copy` with rclone's defaults, no checksum pass (objects uploaded in parts carry no MD5). */
  bare_copy_streams: number;
  bare_copy_s: number;
  rows: ProjectionRow[];
  /** The model size at which the boot path alone (16 streams) fills the AWS spot notice. */
  size_filling_aws_notice_gb: number;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Streams a bare `rclone copy` opens for an object of this size (rclone's multi-thread rule, default flags). */
export function rcloneDefaultStreams(sizeBytes: number): number {
  if (sizeBytes < RCLONE_DEFAULT_CUTOFF_BYTES) return 1;
  return Math.max(2, Math.min(RCLONE_DEFAULT_STREAMS, Math.floor(sizeBytes / RCLONE_DEFAULT_CUTOFF_BYTES)));
}

export function projectColdStart(i: ProjectionInputs, noticeStreams = 16): Projection {
  for (const [k, v] of Object.entries({ sizeBytes: i.sizeBytes, perConnectionBytesPerS: i.perConnectionBytesPerS, hashBytesPerS: i.hashBytesPerS })) {
    if (!(v > 0)) throw new Error(`projection: ${k} must be positive (got ${v})`);
  }
  const download = (streams: number) => i.sizeBytes / (streams * i.perConnectionBytesPerS);
  const bareStreams = rcloneDefaultStreams(i.sizeBytes);
  const bare = download(bareStreams);
  const rows = i.streams.map((streams): ProjectionRow => {
    const d = download(streams);
    const h = i.sizeBytes / i.hashBytesPerS;
    const l = (i.sizeBytes * i.loadMsPerByte) / 1000;
    const o = Math.max(0, i.otherMs) / 1000;
    const total = d + h + l + o;
    return { streams, download_s: round(d), hash_s: round(h), load_s: round(l), other_s: round(o), boot_to_healthy_s: round(total), ratio_to_transfer: round(total / d, 2), ratio_to_bare_copy: round(total / bare, 2) };
  });
  // Seconds per byte of the boot path at noticeStreams, fixed costs aside: the size that fills the notice.
  const perByte = 1 / (noticeStreams * i.perConnectionBytesPerS) + 1 / i.hashBytesPerS + i.loadMsPerByte / 1000;
  return {
    size_bytes: i.sizeBytes,
    per_connection_mb_s: i.perConnectionBytesPerS / 1e6,
    bare_copy_streams: bareStreams,
    bare_copy_s: round(bare),
    rows,
    size_filling_aws_notice_gb: round((AWS_SPOT_NOTICE_S - Math.max(0, i.otherMs) / 1000) / perByte / 1e9, 0),
  };
}
