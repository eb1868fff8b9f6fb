/**
 * CPU references of the activity-history ring images ({@link GpuActivityHistory}), built from
 * recordings: what the GPU image must hold after a given number of steps. Same layout as the
 * GPU image: `rows × columns`, column-major (`column · rows + row`), ring column of absolute
 * column `k` = `k mod columns`, absolute column `k` covering steps `k·stepsPerColumn …`.
 */
import type { SpikeRecording, StateRecording } from '../../model/recording.js';

/** Which part of a recording a history image shows. */
export interface HistoryImageLayout {
  /** Neuron of each display row (population indices). */
  readonly neurons: readonly number[];
  readonly columns: number;
  readonly stepsPerColumn: number;
  /** Trial shown (global trial of the recording). */
  readonly trial: number;
  /** Steps simulated (the image reflects steps `startStep … stepCount − 1`). */
  readonly stepCount: number;
  /** Step at which the history was attached (default 0); earlier columns stay empty. */
  readonly startStep?: number;
}

/** Absolute columns still held by the ring after `stepCount` steps: `[first, last]`, or null. */
function liveColumns(layout: HistoryImageLayout): { first: number; last: number } | null {
  const start = layout.startStep ?? 0;
  if (layout.stepCount <= start) return null;
  const last = Math.floor((layout.stepCount - 1) / layout.stepsPerColumn);
  const first = Math.max(Math.floor(start / layout.stepsPerColumn), last - layout.columns + 1);
  return { first, last };
}

/** Raster image (spike counts per pixel, u32) from a spike recording that covers the displayed neurons. */
export function rasterImageFromSpikes(recording: SpikeRecording, layout: HistoryImageLayout): Uint32Array {
  const rows = layout.neurons.length;
  const image = new Uint32Array(rows * layout.columns);
  const live = liveColumns(layout);
  if (!live) return image;
  const rowOf = new Map<number, number>();
  layout.neurons.forEach((n, row) => rowOf.set(n, row));
  const start = layout.startStep ?? 0;
  for (let i = 0; i < recording.steps.length; i++) {
    if (recording.trials[i] !== layout.trial) continue;
    const step = recording.steps[i]!;
    if (step < start || step >= layout.stepCount) continue;
    const row = rowOf.get(recording.senders[i]!);
    if (row === undefined) continue;
    const column = Math.floor(step / layout.stepsPerColumn);
    if (column < live.first || column > live.last) continue;
    image[(column % layout.columns) * rows + row]! += 1;
  }
  return image;
}

/**
 * Heatmap image (f32): per column, the sum of `value / stepsPerColumn` over its steps (the mean
 * once the column is complete), accumulated in float32 in step order as the GPU does. The state
 * recording must sample every step and include the displayed neurons.
 */
export function stateHistoryFromSamples(recording: StateRecording, dtMs: number, batch: number, layout: HistoryImageLayout): Float32Array {
  const rows = layout.neurons.length;
  const image = new Float32Array(rows * layout.columns);
  const live = liveColumns(layout);
  if (!live) return image;
  const nRecorded = recording.neurons.length;
  const indexOf = new Map<number, number>();
  recording.neurons.forEach((n, k) => indexOf.set(n, k));
  const ks = layout.neurons.map((n) => {
    const k = indexOf.get(n);
    if (k === undefined) throw new RangeError(`stateHistoryFromSamples: neuron ${n} is not in the state recording`);
    return k;
  });
  const start = layout.startStep ?? 0;
  const scale = layout.stepsPerColumn;
  const order = Array.from(recording.timesMs.keys()).sort((a, b) => recording.timesMs[a]! - recording.timesMs[b]!);
  for (const sample of order) {
    const b = layout.trial - recording.sampleTrialOffset[sample]!;
    if (b < 0 || b >= batch) continue;
    const step = Math.round(recording.timesMs[sample]! / dtMs);
    if (step < start || step >= layout.stepCount) continue;
    const column = Math.floor(step / layout.stepsPerColumn);
    if (column < live.first || column > live.last) continue;
    const base = (column % layout.columns) * rows;
    for (let row = 0; row < rows; row++) {
      const value = recording.values[(sample * batch + b) * nRecorded + ks[row]!]!;
      image[base + row] = Math.fround(image[base + row]! + Math.fround(value / scale));
    }
  }
  return image;
}
