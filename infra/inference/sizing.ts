/** Memory and slot sizing for llama-server on CPU. Pure functions; the launch spec and config validation share them. */

const GIB = 1024 ** 3;
/** Runtime overhead beside weights and KV cache: compute buffers, the server, the OS and the container. */
export const RUNTIME_OVERHEAD_GIB = 1.0;
/** Share of the machine's memory the server may plan to use. */
export const MEMORY_HEADROOM = 0.9;

/** Parallel slots: one per vCPU, capped at 8, unless configured. */
export function deriveParallel(vcpu: number, configured?: number): number {
  return configured ?? Math.max(1, Math.min(8, vcpu));
}

export function memoryRequiredGiB(model: { sizeBytes: number; kvBytesPerToken: number }, ctxPerSlot: number, parallel: number): number {
  const kv = model.kvBytesPerToken * ctxPerSlot * parallel;
  return (model.sizeBytes + kv) / GIB / MEMORY_HEADROOM + RUNTIME_OVERHEAD_GIB;
}
