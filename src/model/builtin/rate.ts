/** Rate unit with a choice of transfer function, white or Ornstein–Uhlenbeck noise, optional Poisson spikes. */
import type { BuiltinModel } from './index.js';

/** φ(u) for the three transfer functions (index of `transfer`), applied to u = VAR − threshold. */
export const transferFunction = (u: string): string =>
  `gain*(int(transfer == 0)*(${u}) + int(transfer == 1)*clip(${u}, 0, inf) + int(transfer == 2)*clip(${u}, 0, inf)**exponent)`;

export const TRANSFERS = ['linear', 'threshold_linear', 'power_law'] as const;

export const rateUnit: BuiltinModel = {
  name: 'rate',
  output: 'r',
  summary: 'Rate unit τ dx/dt = −x + input + noise with output r = φ(x): linear, threshold-linear or power law.',
  doc: 'Rate unit: τ dx/dt = −x + input + noise, output r = φ(x) with φ linear, threshold-linear or a supralinear power law. Integrated exactly (propagator and noise covariance of the linear system over the step). Noise: white (noise_tau_ms = 0; τ dx/dt gains σ√ms ξ(t)) or Ornstein–Uhlenbeck input noise of stationary std σ and correlation time noise_tau_ms. With spike_rate_hz > 0 the unit also emits Poisson spikes at rate r·spike_rate_hz.',
  equations: [
    'dx/dt = (-x + I + noise)/tau_ms + int(noise_tau_ms == 0*ms)*noise_std*sqrt(ms)*xi_white/tau_ms : 1',
    'dnoise/dt = -noise/tau_noise + int(noise_tau_ms > 0*ms)*noise_std*sqrt(2/tau_noise)*xi_ou : 1',
    'tau_noise = noise_tau_ms + int(noise_tau_ms == 0*ms)*ms : second',
    `r = ${transferFunction('x - threshold')} : 1`,
    'I : 1 (shared)',
  ].join('\n'),
  threshold: 'rand() < 1 - exp(-clip(r, 0, inf)*spike_rate_hz*dt)',
  spikes_if: 'spike_rate_hz > 0*Hz',
  method: 'exact',
  namespace: { tau_ms: '20*ms', gain: 1, threshold: 0, exponent: 2, noise_std: 0, noise_tau_ms: '0*ms', spike_rate_hz: '0*Hz' },
  choices: { transfer: TRANSFERS },
  choice_defaults: { transfer: 'linear' },
  receptors: { excitatory: 'I += w', inhibitory: 'I -= w' },
  parameters: {
    tau_ms: { doc: 'time constant of x', min: 0, min_exclusive: true },
    gain: { doc: 'gain k of φ' },
    threshold: { doc: 'threshold θ of φ (linear: offset)' },
    exponent: { doc: 'power n of the power law k·[x−θ]₊ⁿ', min: 0, min_exclusive: true },
    noise_std: { doc: 'noise amplitude σ', min: 0 },
    noise_tau_ms: { doc: 'noise correlation time (0: white noise)', min: 0 },
    spike_rate_hz: { doc: 'Poisson spiking: spikes/s per unit of output r (0: no spikes); spikes can be recorded, counted and projected onto spiking populations', unit: 'Hz', min: 0 },
    transfer: { doc: 'transfer function φ' },
    I: { doc: 'summed input (rate projections, DC and stimuli add to it each step)' },
    x: { doc: 'activation (input-like state integrated with τ)' },
    r: { doc: 'output φ(x)' },
    noise: { doc: 'Ornstein–Uhlenbeck input noise (when noise_tau_ms > 0)' },
  },
};
