/**
 * GPU memory accounting: every buffer belongs to an owner (a population, a projection, the
 * recorders or the engine) and is checked against the device's limits before anything is
 * allocated, so that an impossible network is refused with required and available bytes.
 */

/** One planned buffer. */
export interface BufferRequest {
  /** `population E`, `projection E->I#1`, `recorders`, `engine`. */
  readonly owner: string;
  /** What the buffer holds, e.g. `state`, `synapse targets (chunk 2)`. */
  readonly purpose: string;
  readonly bytes: number;
  /** True when the whole buffer is bound as one storage binding (subject to maxStorageBufferBindingSize). */
  readonly storageBinding: boolean;
  /** True when the engine splits the data into several buffers as needed (synapse arrays). */
  readonly splittable?: boolean;
}

/** Thrown when a network does not fit the device; the message gives required vs available bytes. */
export class NetworkTooLargeError extends Error {
  override readonly name = 'NetworkTooLargeError';
  constructor(
    message: string,
    readonly requiredBytes: number,
    readonly availableBytes: number,
  ) {
    super(message);
  }
}

/** Bytes in a human unit (binary prefixes), e.g. `1.50 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 2)} ${units[unit]} (${Math.round(bytes)} bytes)`;
}

/** Per-owner totals. */
export interface MemoryReport {
  readonly totalBytes: number;
  readonly byOwner: Readonly<Record<string, number>>;
}

/** Sum requests by owner. */
export function summarize(requests: readonly BufferRequest[]): MemoryReport {
  const byOwner: Record<string, number> = {};
  let totalBytes = 0;
  for (const r of requests) {
    byOwner[r.owner] = (byOwner[r.owner] ?? 0) + r.bytes;
    totalBytes += r.bytes;
  }
  return { totalBytes, byOwner };
}

/**
 * Check planned buffers against per-buffer limits and a total budget.
 * @param budgetBytes total GPU memory the network may use
 * @throws NetworkTooLargeError naming the owner, the purpose, the limit and what to change
 */
export function checkRequests(requests: readonly BufferRequest[], limits: GPUSupportedLimits, budgetBytes: number): MemoryReport {
  for (const r of requests) {
    if (!r.splittable && r.bytes > limits.maxBufferSize) {
      throw new NetworkTooLargeError(
        `${r.owner}: ${r.purpose} needs ${formatBytes(r.bytes)} in one buffer, but the device's maxBufferSize is ${formatBytes(limits.maxBufferSize)}. ` +
          'Reduce the population size or the batch.',
        r.bytes,
        limits.maxBufferSize,
      );
    }
    if (r.storageBinding && r.bytes > limits.maxStorageBufferBindingSize) {
      throw new NetworkTooLargeError(
        `${r.owner}: ${r.purpose} needs ${formatBytes(r.bytes)} in one storage binding, but the device's maxStorageBufferBindingSize is ${formatBytes(limits.maxStorageBufferBindingSize)}. ` +
          'Reduce the population size or the batch, or split the population in two.',
        r.bytes,
        limits.maxStorageBufferBindingSize,
      );
    }
  }
  const report = summarize(requests);
  if (report.totalBytes > budgetBytes) {
    const owners = Object.entries(report.byOwner)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([owner, bytes]) => `${owner}: ${formatBytes(bytes)}`)
      .join('; ');
    throw new NetworkTooLargeError(
      `The network needs ${formatBytes(report.totalBytes)} of GPU memory but ${formatBytes(budgetBytes)} are available ` +
        `(largest: ${owners}). Reduce sizes, connectivity or batch, or raise the budget (memoryBudgetBytes / --gpu-memory-gib) if the device has more.`,
      report.totalBytes,
      budgetBytes,
    );
  }
  return report;
}
