/**
 * Purposes of random streams. Every random number in cortexgpu is
 * `rngDraw(seed, stream, index, step, trial, draw)` with `stream = streamId(PURPOSE, ...)`;
 * keeping the purposes here guarantees that no two uses share a stream.
 */
export const STREAM_PURPOSE = {
  /** Which synapses exist (per projection index). */
  connectivity: 1,
  /** Synaptic weight draws (per projection index). */
  weights: 2,
  /** Synaptic delay draws (per projection index). */
  delays: 3,
  /** Initial state values (per population index, state-variable index). */
  initialState: 4,
  /** Random preferred orientations (per population index). */
  preferredOrientation: 5,
  /** Noise of rate units (per population index). */
  rateNoise: 10,
  /** Poisson input spikes (per population index, input index). */
  poissonInput: 11,
  /** Spikes of Poisson source populations (per population index). */
  poissonSource: 12,
} as const;
