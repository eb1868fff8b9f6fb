/** Poisson spike source (NEST poisson_generator as a population of independent sources). */
import type { BuiltinModel } from './index.js';

export const poissonSource: BuiltinModel = {
  name: 'poisson_source',
  also: ['poisson_generator'],
  kind: 'source',
  summary: 'Poisson spike source at a given rate; DC and stimulus inputs add to the rate.',
  doc: 'Poisson spike source: at most one spike per step, with probability 1 − exp(−rate·dt). DC and stimulus inputs add to the rate (Hz), so a stimulus makes an orientation-tuned Poisson population.',
  equations: 'rate_hz : hertz (shared)',
  threshold: 'rand() < 1 - exp(-clip(rate_hz, 0*Hz, inf*Hz)*dt)',
  current: 'rate_hz',
  namespace: { rate_hz: '10*Hz' },
  parameters: { rate_hz: { doc: 'baseline firing rate', unit: 'Hz', min: 0 } },
  aliases: { rate: 'rate_hz' },
};
