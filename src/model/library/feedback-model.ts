/**
 * The feedback model of science.md (case 3) as a network: sensory rate units r0 = f(s) + η
 * (independent noise), one decision unit d = wᵀr0 with w = Σ0⁻¹f'/I0, and output units
 * r = r0 + g·f'·d. Time constants far below dt make every step a fresh, independent sample,
 * and delays line the three stages up (r at step t + 2 combines r0 and d of step t).
 * With σ_ξ = 0: population information stays I0, single-neuron information is
 * J_i = G j_i / (1 + (G − 1) j_i / I0) with G = (1 + g)².
 */
import type { NetworkSpec } from '../spec.js';

/** Parameters of {@link feedbackModel}. */
export interface FeedbackModelOptions {
  /** Sensory (and output) units. */
  readonly neurons: number;
  /** Von Mises tuning of the drive: amplitude, κ, baseline (input units). */
  readonly amplitude: number;
  readonly kappa: number;
  readonly baseline: number;
  /** The two stimuli: θ0 ± dθ/2, degrees. */
  readonly theta0Deg: number;
  readonly dThetaDeg: number;
  /** Standard deviation of the sensory noise η per sample. */
  readonly noiseStd: number;
  /** Feedback gain g ≥ 0. */
  readonly gain: number;
  readonly dtMs?: number;
  readonly seed?: number;
}

/** The network and the model's exact quantities. */
export interface FeedbackModel {
  /** Batch 2: trial 0 shows θ0 − dθ/2, trial 1 shows θ0 + dθ/2; records r of the output units every step. */
  readonly spec: NetworkSpec;
  /** f' of the sensory drive (finite difference over dθ, per degree). */
  readonly fprime: number[];
  /** Information of r0 (and, exactly, of r), deg⁻². */
  readonly I0: number;
  /** Closed-form single-neuron information J_i of the output units, deg⁻². */
  readonly singleNeuron: number[];
}

const tuning = (theta: number, pref: number, o: FeedbackModelOptions): number =>
  o.baseline + o.amplitude * Math.exp(o.kappa * (Math.cos((2 * (theta - pref) * Math.PI) / 180) - 1));

/** Build the feedback model network and its closed-form predictions. */
export function feedbackModel(o: FeedbackModelOptions): FeedbackModel {
  const n = o.neurons;
  const dt = o.dtMs ?? 1;
  const tau = dt / 50; // ≪ dt: no memory between steps
  const [thetaA, thetaB] = [o.theta0Deg - o.dThetaDeg / 2, o.theta0Deg + o.dThetaDeg / 2];
  const fprime = Array.from({ length: n }, (_, i) => (tuning(thetaB, (180 * i) / n, o) - tuning(thetaA, (180 * i) / n, o)) / o.dThetaDeg);
  const variance = o.noiseStd * o.noiseStd;
  const I0 = fprime.reduce((s, f) => s + (f * f) / variance, 0);
  const w = fprime.map((f) => f / variance / I0);
  const G = (1 + o.gain) ** 2;
  const singleNeuron = fprime.map((f) => {
    const j = (f * f) / variance;
    return (G * j) / (1 + ((G - 1) * j) / I0);
  });
  const unit = { tau_ms: tau, transfer: 'linear' };
  const spec: NetworkSpec = {
    name: 'feedback_model',
    dt_ms: dt,
    seed: o.seed ?? 1,
    batch: 2,
    populations: [
      // White noise σ·ξ in τ dx/dt with decay ≈ 0 gives per-step SD σ/√(2τ): scale to noiseStd.
      { name: 'S0', size: n, model: 'rate', params: { ...unit, noise_std: o.noiseStd * Math.sqrt(2 * tau) } },
      { name: 'D', size: 1, model: 'rate', params: unit },
      { name: 'R', size: n, model: 'rate', params: unit },
    ],
    projections: [
      { source: 'S0', target: 'D', connector: { type: 'matrix', weights: [w] }, delay_ms: dt },
      { source: 'S0', target: 'R', connector: { type: 'one_to_one' }, weight: 1, delay_ms: 2 * dt },
      { source: 'D', target: 'R', connector: { type: 'matrix', weights: fprime.map((f) => [o.gain * f]) }, delay_ms: dt },
    ],
    inputs: [{ type: 'stimulus', target: 'S0', orientation_deg: [thetaA, thetaB], amplitude: o.amplitude, kappa: o.kappa, baseline: o.baseline }],
    recorders: [{ type: 'state', population: 'R', variable: 'r', neurons: 'all', every_ms: dt }],
  };
  return { spec, fprime, I0, singleNeuron };
}
