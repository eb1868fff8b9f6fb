/**
 * What `cortexgpu run` keeps of a run whose dynamics diverged: the recordings of the steps
 * before the first non-finite state, and where it happened, for `summary.json`.
 */
import type { DivergenceError } from '../gpu/simulator.js';
import type { Recording } from '../model/recording.js';

/** Where a run diverged, as written to `summary.json` (`"divergence"`). */
export interface DivergenceSummary {
  /** Population whose state first became NaN or infinite. */
  readonly population: string;
  /** Neuron index in that population (0-based). */
  readonly neuron: number;
  /** Trial (batch index, 0-based). */
  readonly trial: number;
  /** Step at which the state was first non-finite (0-based, counted from the start of the run). */
  readonly step: number;
  /** Time of that step, ms (step · dt). */
  readonly time_ms: number;
  /** State variable that became non-finite (e.g. `v`, `r`). */
  readonly variable: string;
  /** The engine's message, with what to change. */
  readonly message: string;
}

/**
 * The location of a divergence for `summary.json`, and the CLI's message: the engine's, with
 * where the steps before it were written instead of the library hint (`simulator.recordings()`).
 * @param error what the engine threw
 * @param dtMs time step, ms (> 0)
 * @param outDir the output folder, as the user gave it
 */
export function divergenceSummary(error: DivergenceError, dtMs: number, outDir: string): DivergenceSummary {
  const engine = error.message.replace(/\s*Recordings up to this point are kept \(simulator\.recordings\(\)\)\.\s*$/, '');
  const kept = error.step * dtMs;
  return {
    population: error.population,
    neuron: error.neuron,
    trial: error.trial,
    step: error.step,
    time_ms: kept,
    variable: error.variable,
    message: `${engine} The recordings of the ${error.step} steps before it (${kept} ms) were written to '${outDir}' (summary.json: "status": "diverged").`,
  };
}

/**
 * Recordings cut to the steps before `step` (time < step · dt), so that nothing computed from a
 * non-finite state is kept: spikes at earlier steps; spike-count windows and population-rate bins
 * that end by step · dt; state samples taken before it. Recordings of one trial block (a CLI run)
 * are assumed: times count from the start of the run.
 *
 * @param recordings as `GpuSimulator.recordings()` returned them after the divergence
 * @param step first step whose state is non-finite (≥ 0)
 * @param dtMs time step, ms (> 0)
 * @returns new recordings (typed arrays are copies or subarrays; the input is not changed)
 */
export function recordingsBeforeStep(recordings: readonly Recording[], step: number, dtMs: number): Recording[] {
  const endMs = step * dtMs;
  // Whole windows/bins of `width` ms from `startMs` that end by endMs (tolerant of rounding).
  const whole = (startMs: number, width: number, available: number): number =>
    Math.max(0, Math.min(available, Math.floor((endMs - startMs) / width + 1e-9)));
  return recordings.map((rec): Recording => {
    switch (rec.type) {
      case 'spikes': {
        const keep: number[] = [];
        for (let k = 0; k < rec.steps.length; k++) if (rec.steps[k]! < step) keep.push(k);
        const pick = (values: Uint32Array): Uint32Array => Uint32Array.from(keep, (k) => values[k]!);
        return { ...rec, steps: pick(rec.steps), trials: pick(rec.trials), senders: pick(rec.senders) };
      }
      case 'spike_counts': {
        const nWindows = whole(rec.startMs, rec.windowMs, rec.nWindows);
        return { ...rec, nWindows, counts: rec.counts.slice(0, nWindows * rec.nTrials * rec.neurons.length) };
      }
      case 'state': {
        let samples = 0;
        while (samples < rec.timesMs.length && rec.timesMs[samples]! < endMs - 1e-9 * dtMs) samples++;
        const perSample = rec.timesMs.length > 0 ? rec.values.length / rec.timesMs.length : 0;
        return {
          ...rec,
          timesMs: rec.timesMs.slice(0, samples),
          sampleTrialOffset: rec.sampleTrialOffset.slice(0, samples),
          values: rec.values.slice(0, samples * perSample),
        };
      }
      case 'population_rate': {
        const available = rec.nTrials > 0 ? Math.floor(rec.values.length / rec.nTrials) : 0;
        const bins = whole(0, rec.binMs, available);
        return { ...rec, values: rec.values.slice(0, bins * rec.nTrials) };
      }
    }
  });
}
