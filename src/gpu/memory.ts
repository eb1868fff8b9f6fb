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
  /**
   * Name of a buffer shared with other requests (e.g. the spike ring buffers of all spiking
   * populations): the requests of one shared buffer are one allocation and, with
   * `storageBinding`, one storage binding, so their sum is what the limits see.
   */
  readonly sharedBuffer?: string;
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

/**
 * Bytes in a human unit (binary prefixes): `1.50 GiB (1610612736 bytes)`, or `1.50 GiB` with
 * `exact: false` (tables).
 */
export function formatBytes(bytes: number, options: { readonly exact?: boolean } = {}): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const short = `${value.toFixed(unit === 0 ? 0 : 2)} ${units[unit]}`;
  return options.exact === false ? short : `${short} (${Math.round(bytes)} bytes)`;
}

// ---------------------------------------------------------------------------------------------
// Default memory budget
// ---------------------------------------------------------------------------------------------

/** Default budget of a network in a browser tab, bytes (4 GiB). */
export const BROWSER_MEMORY_BUDGET_BYTES = 4 * 1024 ** 3;
/** Default budget on a hardware GPU in Node, bytes (16 GiB). */
export const GPU_MEMORY_BUDGET_BYTES = 16 * 1024 ** 3;
/**
 * Default budget on a software adapter in Node, as a fraction of host memory (1/4): host memory
 * is GPU memory there.
 */
export const SOFTWARE_MEMORY_BUDGET_HOST_FRACTION = 0.25;

/** The adapter facts the default budget depends on (see `AdapterDescription`). */
export interface BudgetAdapter {
  readonly runtime: 'browser' | 'node';
  readonly software: boolean;
}

/** A default budget: its size and the rule that gave it, in words. */
export interface MemoryBudget {
  /** Bytes a network may use. */
  readonly bytes: number;
  /** E.g. `a quarter of host memory (software adapter in Node)`. */
  readonly rule: string;
}

function fractionInWords(fraction: number): string {
  if (fraction === 0.5) return 'half';
  if (fraction === 0.25) return 'a quarter';
  return `${Number((fraction * 100).toPrecision(3))} %`;
}

const gib = (bytes: number): string => `${Number((bytes / 1024 ** 3).toPrecision(4))} GiB`;

/**
 * The rule for every case in one line, for help texts: `4 GiB in browsers, a quarter of host
 * memory on software adapters in Node, 16 GiB on GPUs in Node`.
 */
export const DEFAULT_MEMORY_BUDGET_RULE =
  `${gib(BROWSER_MEMORY_BUDGET_BYTES)} in browsers, ${fractionInWords(SOFTWARE_MEMORY_BUDGET_HOST_FRACTION)} of host memory ` +
  `on software adapters in Node, ${gib(GPU_MEMORY_BUDGET_BYTES)} on GPUs in Node`;

/**
 * GPU memory a network may use when nobody says otherwise (`memoryBudgetBytes`,
 * `--gpu-memory-gib`): {@link BROWSER_MEMORY_BUDGET_BYTES} in browsers,
 * {@link SOFTWARE_MEMORY_BUDGET_HOST_FRACTION} of host memory for software adapters in Node,
 * {@link GPU_MEMORY_BUDGET_BYTES} otherwise. Pure: the caller reads host memory (Node:
 * `os.totalmem()`), so this runs without a device and in browsers.
 * @param adapter runtime and whether the adapter is software
 * @param hostMemoryBytes total host memory, bytes (used for software adapters in Node only)
 */
export function defaultMemoryBudget(adapter: BudgetAdapter, hostMemoryBytes: number): MemoryBudget {
  if (adapter.runtime === 'browser') return { bytes: BROWSER_MEMORY_BUDGET_BYTES, rule: 'the default in browsers' };
  if (adapter.software) {
    return {
      bytes: hostMemoryBytes * SOFTWARE_MEMORY_BUDGET_HOST_FRACTION,
      rule: `${fractionInWords(SOFTWARE_MEMORY_BUDGET_HOST_FRACTION)} of host memory (${gib(hostMemoryBytes)}), the default on a software adapter`,
    };
  }
  return { bytes: GPU_MEMORY_BUDGET_BYTES, rule: 'the default on a GPU' };
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

/** Which limit a {@link MemoryProblem} exceeds. */
export type MemoryLimitName = 'maxBufferSize' | 'maxStorageBufferBindingSize' | 'budget';

/** One way planned buffers do not fit: what, how much, which limit. */
export interface MemoryProblem {
  /** Owner of the buffer (`population E`), or `network` for the total. */
  readonly owner: string;
  /** What the buffer holds, or `all buffers` for the total. */
  readonly purpose: string;
  readonly limit: MemoryLimitName;
  /** Bytes needed, bytes. */
  readonly requiredBytes: number;
  /** The limit, bytes. */
  readonly availableBytes: number;
  /** The full message: owner, purpose, required and available bytes, the limit and what to change. */
  readonly message: string;
}

/**
 * Every way planned buffers exceed per-buffer limits or the total budget, in the order
 * {@link checkRequests} reports them (per-buffer problems first, then the total).
 * @param budgetBytes total GPU memory the network may use, bytes
 */
export function memoryProblems(requests: readonly BufferRequest[], limits: Pick<GPUSupportedLimits, 'maxBufferSize' | 'maxStorageBufferBindingSize'>, budgetBytes: number): MemoryProblem[] {
  const problems: MemoryProblem[] = [];
  // Requests in one shared buffer count as one buffer of their summed size.
  const shared = new Map<string, BufferRequest>();
  const single: BufferRequest[] = [];
  for (const r of requests) {
    if (r.sharedBuffer === undefined) {
      single.push(r);
      continue;
    }
    const prev = shared.get(r.sharedBuffer);
    shared.set(r.sharedBuffer, {
      owner: prev ? `${prev.owner}, ${r.owner.replace(/^population /, '')}` : r.owner,
      purpose: r.sharedBuffer, bytes: (prev?.bytes ?? 0) + r.bytes, storageBinding: (prev?.storageBinding ?? false) || r.storageBinding,
    });
  }
  for (const r of [...single, ...shared.values()]) {
    if (!r.splittable && r.bytes > limits.maxBufferSize) {
      problems.push({
        owner: r.owner, purpose: r.purpose, limit: 'maxBufferSize', requiredBytes: r.bytes, availableBytes: limits.maxBufferSize,
        message: `${r.owner}: ${r.purpose} needs ${formatBytes(r.bytes)} in one buffer, but the device's maxBufferSize is ${formatBytes(limits.maxBufferSize)}. ` +
          'Reduce the population size or the batch.',
      });
    }
    if (r.storageBinding && r.bytes > limits.maxStorageBufferBindingSize) {
      problems.push({
        owner: r.owner, purpose: r.purpose, limit: 'maxStorageBufferBindingSize', requiredBytes: r.bytes, availableBytes: limits.maxStorageBufferBindingSize,
        message: `${r.owner}: ${r.purpose} needs ${formatBytes(r.bytes)} in one storage binding, but the device's maxStorageBufferBindingSize is ${formatBytes(limits.maxStorageBufferBindingSize)}. ` +
          'Reduce the population size or the batch, or split the population in two.',
      });
    }
  }
  const report = summarize(requests);
  if (report.totalBytes > budgetBytes) {
    const owners = Object.entries(report.byOwner)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([owner, bytes]) => `${owner}: ${formatBytes(bytes)}`)
      .join('; ');
    problems.push({
      owner: 'network', purpose: 'all buffers', limit: 'budget', requiredBytes: report.totalBytes, availableBytes: budgetBytes,
      message: `The network needs ${formatBytes(report.totalBytes)} of GPU memory but ${formatBytes(budgetBytes)} are available ` +
        `(largest: ${owners}). Reduce sizes, connectivity or batch, or raise the budget (memoryBudgetBytes / --gpu-memory-gib) if the device has more.`,
    });
  }
  return problems;
}

/**
 * Check planned buffers against per-buffer limits and a total budget.
 * @param budgetBytes total GPU memory the network may use, bytes
 * @throws NetworkTooLargeError naming the owner, the purpose, the limit and what to change (the first of {@link memoryProblems})
 */
export function checkRequests(requests: readonly BufferRequest[], limits: GPUSupportedLimits, budgetBytes: number): MemoryReport {
  const first = memoryProblems(requests, limits, budgetBytes)[0];
  if (first !== undefined) throw new NetworkTooLargeError(first.message, first.requiredBytes, first.availableBytes);
  return summarize(requests);
}
