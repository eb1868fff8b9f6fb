/**
 * Brian2's documented example models, equation strings pasted unchanged from Brian2 2.5.1's
 * examples, against Brian2 run on this machine by scripts/brian2_models_compare.py:
 *  - COBAHH (examples/COBAHH.py: 4000 Hodgkin–Huxley neurons, 3200 E / 800 I, p = 0.02,
 *    exponential_euler, `exprel`): mean rate over three seeds within 15 % (float64 CPU
 *    reference, 500 ms);
 *  - AdEx (examples/frompapers/Brette_Gerstner_2005.py) and Izhikevich (examples/frompapers/
 *    Izhikevich_2003.py) single neurons: spike counts at six constant currents within 5 % or one
 *    spike;
 *  - the generated WGSL on the GPU against the CPU reference: COBAHH (400 neurons, 100 ms) and
 *    the AdEx/Izhikevich neurons.
 * Skipped, with a message, only where `/usr/bin/python3 -c 'import brian2'` fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CpuSimulator } from '../src/cpu/simulator.js';
import { defineNeuronModel, type EquationModelDescription } from '../src/model/equations/index.js';
import { exprel } from '../src/model/equations/ir.js';
import type { StateRecording } from '../src/model/recording.js';
import type { NetworkSpec } from '../src/model/spec.js';
import type { SpikeRecording } from '../src/model/recording.js';
import { gpuSimulator, runOnGpuAndCpu } from './helpers/gpu.js';

// --- descriptions: the equation, threshold, reset, refractory and method strings of Brian2's examples

/** examples/COBAHH.py; its Python constants as namespace strings (same expressions). */
const COBAHH: EquationModelDescription = {
  equations: `
dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-
         g_na*(m*m*m)*h*(v-ENa)-
         g_kd*(n*n*n*n)*(v-EK))/Cm : volt
dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
dge/dt = -ge*(1./taue) : siemens
dgi/dt = -gi*(1./taui) : siemens
alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
`,
  threshold: 'v>-20*mV',
  refractory: '3*ms',
  method: 'exponential_euler',
  namespace: {
    area: '20000*umetre**2',
    Cm: '(1*ufarad*cm**-2) * area',
    gl: '(5e-5*siemens*cm**-2) * area',
    El: '-60*mV', EK: '-90*mV', ENa: '50*mV',
    g_na: '(100*msiemens*cm**-2) * area',
    g_kd: '(30*msiemens*cm**-2) * area',
    VT: '-63*mV', taue: '5*ms', taui: '10*ms', Ee: '0*mV', Ei: '-80*mV',
  },
  on_pre_targets: ['ge', 'gi'],
};

/** examples/frompapers/Brette_Gerstner_2005.py (regular spiking). */
const ADEX: EquationModelDescription = {
  equations: `
dvm/dt = (gL*(EL - vm) + gL*DeltaT*exp((vm - VT)/DeltaT) + I - w)/C : volt
dw/dt = (a*(vm - EL) - w)/tauw : amp
I : amp
`,
  threshold: 'vm>Vcut',
  reset: 'vm=Vr; w+=b',
  method: 'euler',
  namespace: {
    C: '281 * pF', gL: '30 * nS', EL: '-70.6 * mV', VT: '-50.4 * mV', DeltaT: '2 * mV', Vcut: 'VT + 5 * DeltaT',
    tauw: '144*ms', a: '4*nS', b: '0.0805*nA', Vr: '-70.6*mV',
  },
  current: 'I',
};

/** examples/frompapers/Izhikevich_2003.py. */
const IZHIKEVICH: EquationModelDescription = {
  equations: `dv/dt = (0.04*v**2 + 5*v + 140 - u + I + I_noise )/ms : 1
         du/dt = (a*(b*v - u))/ms  : 1
         I : 1
         I_noise : 1
         a : 1
         b : 1
         c : 1
         d : 1
       `,
  threshold: 'v>=30',
  reset: 'v=c; u+=d',
  method: 'euler',
  current: 'I',
};

const ADEX_CURRENTS_NA = [0.7, 0.8, 1, 1.5, 2, 3];
const IZHIKEVICH_CURRENTS = [5, 7, 10, 15, 20, 30];
const SINGLE_MS = 1000;
const COBAHH_MS = 500;
const WARMUP_MS = 100;
/**
 * One COBAHH network per seed on each side, compared by the mean over seeds: single realisations
 * spread by ±7–9 % (20 seeds each, 500 ms, from 100 ms: Brian2 35.7 ± 2.4 Hz, cortexgpu
 * 36.0 ± 3.2 Hz), so one seed against one seed would test luck rather than the model.
 */
const COBAHH_SEEDS = [1, 2, 3];

/** COBAHH as in the example: E → all `ge += 6 nS`, I → all `gi += 67 nS`, p = 0.02, Brian2's delay 0 (one step here), v ~ N(−65, 5) mV, ge ~ N(40, 15) nS, gi ~ N(200, 120) nS. */
function cobahhSpec(n: number, seed: number): NetworkSpec {
  const nE = Math.round(0.8 * n);
  const conn = { type: 'fixed_probability' as const, p: 0.02 };
  const initial = { v: { normal: { mean: -65, std: 5 } }, ge: { normal: { mean: 40, std: 15 } }, gi: { normal: { mean: 200, std: 120 } } };
  return {
    dt_ms: 0.1, seed,
    models: { cobahh: COBAHH },
    populations: [
      { name: 'E', size: nE, model: 'cobahh', initial },
      { name: 'I', size: n - nE, model: 'cobahh', initial },
    ],
    projections: [
      { source: 'E', target: 'E', connector: conn, on_pre: 'ge += w', weight: 6, delay_ms: 0.1 },
      { source: 'E', target: 'I', connector: conn, on_pre: 'ge += w', weight: 6, delay_ms: 0.1 },
      { source: 'I', target: 'E', connector: conn, on_pre: 'gi += w', weight: 67, delay_ms: 0.1 },
      { source: 'I', target: 'I', connector: conn, on_pre: 'gi += w', weight: 67, delay_ms: 0.1 },
    ],
    recorders: [{ type: 'spikes', population: 'E' }, { type: 'spikes', population: 'I' }],
  };
}

/** One single-neuron population per current (AdEx: `I` in pA; Izhikevich: dimensionless `I`). */
function adexSpec(): NetworkSpec {
  return {
    dt_ms: 0.1, models: { brian2_adex: ADEX },
    populations: ADEX_CURRENTS_NA.map((i, k) => ({ name: `A${k}`, size: 1, model: 'brian2_adex', params: { I: `${i}*nA` }, initial: { vm: -70.6 } })),
    recorders: ADEX_CURRENTS_NA.map((_, k) => ({ type: 'spikes' as const, population: `A${k}` })),
  };
}

function izhikevichSpec(): NetworkSpec {
  return {
    dt_ms: 1, models: { brian2_izhikevich: IZHIKEVICH },
    populations: IZHIKEVICH_CURRENTS.map((i, k) => ({
      name: `Z${k}`, size: 1, model: 'brian2_izhikevich', params: { I: i, a: 0.02, b: 0.2, c: -65, d: 8 }, initial: { v: -65, u: 0.2 * -65 },
    })),
    recorders: IZHIKEVICH_CURRENTS.map((_, k) => ({ type: 'spikes' as const, population: `Z${k}` })),
  };
}

const counts = (recs: readonly SpikeRecording[]): number[] => recs.map((r) => r.steps.length);

function rate(recs: readonly SpikeRecording[], neurons: number, dt: number, fromMs: number, toMs: number): number {
  let n = 0;
  for (const r of recs) for (const s of r.steps) if (s * dt >= fromMs && s * dt < toMs) n++;
  return n / (neurons * (toMs - fromMs) / 1000);
}

/** Spikes as `population:neuron:step`, sorted. */
function spikeKeys(recs: readonly SpikeRecording[]): string[] {
  return recs.flatMap((r, p) => Array.from(r.steps, (s, i) => `${p}:${r.senders[i]}:${s}`)).sort();
}

/** Spikes of `a` with no spike of the same neuron in `b` within ±`tol` steps. */
function unmatched(a: readonly SpikeRecording[], b: readonly SpikeRecording[], tol: number): number {
  let missing = 0;
  a.forEach((ra, p) => {
    const rb = b[p]!;
    const times = new Map<number, number[]>();
    rb.steps.forEach((s, i) => {
      const list = times.get(rb.senders[i]!) ?? [];
      list.push(s);
      times.set(rb.senders[i]!, list);
    });
    ra.steps.forEach((s, i) => {
      if (!(times.get(ra.senders[i]!) ?? []).some((t) => Math.abs(t - s) <= tol)) missing++;
    });
  });
  return missing;
}

interface Brian2Result {
  simulator: string;
  cobahh: { rate_hz: number; seeds: number[]; runs: Array<{ seed: number; rate_hz: number; rate_e_hz: number; rate_i_hz: number; run_wall_s: number }> };
  adex: { counts: number[]; currents_nA: number[] };
  izhikevich: { counts: number[]; currents: number[] };
  wall_s: number;
}

const PYTHON = '/usr/bin/python3';
const live = process.env['CORTEXGPU_RUN_BRIAN2'] === '1';
const probe = live ? spawnSync(PYTHON, ['-c', 'import brian2'], { encoding: 'utf8' }) : null;
const brian2Missing = probe && probe.status !== 0 ? `Brian2 not importable with ${PYTHON} (${(probe.error?.message ?? probe.stderr).trim().split('\n').pop()}); skipping the Brian2 model comparison` : '';
if (brian2Missing) console.warn(brian2Missing);

/**
 * Brian2's results: recorded on this machine by the script (test/reference/brian2-models.json,
 * with the command and date), or, with CORTEXGPU_RUN_BRIAN2=1, the script run now in the
 * background (about 28 s of one core; Brian2 and the CPU reference then use one core each).
 */
function runBrian2(): Promise<Brian2Result> {
  if (!live) {
    return Promise.resolve(JSON.parse(readFileSync('test/reference/brian2-models.json', 'utf8')) as Brian2Result);
  }
  const args = [
    'scripts/brian2_models_compare.py', '--neurons', '4000', '--duration-ms', String(COBAHH_MS), '--warmup-ms', String(WARMUP_MS), '--seeds', COBAHH_SEEDS.join(','),
    '--single-duration-ms', String(SINGLE_MS), '--adex-currents-nA', ADEX_CURRENTS_NA.join(','), '--izhikevich-currents', IZHIKEVICH_CURRENTS.join(','),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`scripts/brian2_models_compare.py exited with ${code}: ${err.slice(-500)}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as Brian2Result);
    });
  });
}

describe.skipIf(brian2Missing !== '')('Brian2 example models against Brian2 on this machine', () => {
  let brian2: Promise<Brian2Result>;
  beforeAll(() => {
    brian2 = runBrian2();
    brian2.catch(() => undefined);
  });

  it(`COBAHH (4,000 HH neurons, exponential_euler, exprel): mean rate over seeds ${COBAHH_SEEDS.join(', ')} within 15 % of Brian2's (GPU engine, 500 ms, from 100 ms; the 400-neuron test below holds it to the CPU reference)`, async () => {
    const started = performance.now();
    const ours: { all: number; e: number; i: number }[] = [];
    for (const seed of COBAHH_SEEDS) {
      const sim = await gpuSimulator(cobahhSpec(4000, seed));
      await sim.run(COBAHH_MS);
      const recs = sim.recordings() as SpikeRecording[];
      sim.destroy();
      ours.push({ all: rate(recs, 4000, 0.1, WARMUP_MS, COBAHH_MS), e: rate(recs.slice(0, 1), 3200, 0.1, WARMUP_MS, COBAHH_MS), i: rate(recs.slice(1), 800, 0.1, WARMUP_MS, COBAHH_MS) });
    }
    const wallS = (performance.now() - started) / 1000;
    const b = (await brian2).cobahh;
    expect(b.seeds).toEqual(COBAHH_SEEDS);
    const mean = ours.reduce((s, r) => s + r.all, 0) / ours.length;
    console.log(`COBAHH 4000: cortexgpu ${mean.toFixed(2)} Hz (seeds: ${ours.map((r) => `${r.all.toFixed(2)} [E ${r.e.toFixed(2)}, I ${r.i.toFixed(2)}]`).join(', ')}; GPU ${wallS.toFixed(1)} s); `
      + `Brian2 ${b.rate_hz.toFixed(2)} Hz (seeds: ${b.runs.map((r) => `${r.rate_hz.toFixed(2)} [E ${r.rate_e_hz.toFixed(2)}, I ${r.rate_i_hz.toFixed(2)}]`).join(', ')})`);
    expect(Math.min(...ours.map((r) => r.all))).toBeGreaterThan(10);
    expect(Math.abs(mean - b.rate_hz) / b.rate_hz).toBeLessThan(0.15);
  }, 180_000);

  it('AdEx (Brette & Gerstner 2005, euler): spike counts at six currents within 5 % or one spike (1 s)', async () => {
    const cpu = new CpuSimulator(adexSpec());
    cpu.run(SINGLE_MS);
    const ours = counts(cpu.recordings() as SpikeRecording[]);
    const b = (await brian2).adex;
    expect(b.currents_nA).toEqual(ADEX_CURRENTS_NA);
    console.log(`AdEx counts (I nA: cortexgpu/Brian2): ${ADEX_CURRENTS_NA.map((i, k) => `${i}: ${ours[k]}/${b.counts[k]}`).join(', ')}`);
    ours.forEach((c, k) => expect(Math.abs(c - b.counts[k]!)).toBeLessThanOrEqual(Math.max(1, 0.05 * b.counts[k]!)));
    expect(ours.filter((c) => c >= 10).length).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('Izhikevich (2003, euler, dt 1 ms): spike counts at six currents within 5 % or one spike (1 s)', async () => {
    const cpu = new CpuSimulator(izhikevichSpec());
    cpu.run(SINGLE_MS);
    const ours = counts(cpu.recordings() as SpikeRecording[]);
    const b = (await brian2).izhikevich;
    expect(b.currents).toEqual(IZHIKEVICH_CURRENTS);
    console.log(`Izhikevich counts (I: cortexgpu/Brian2): ${IZHIKEVICH_CURRENTS.map((i, k) => `${i}: ${ours[k]}/${b.counts[k]}`).join(', ')}`);
    ours.forEach((c, k) => expect(Math.abs(c - b.counts[k]!)).toBeLessThanOrEqual(Math.max(1, 0.05 * b.counts[k]!)));
    expect(ours.filter((c) => c >= 10).length).toBeGreaterThanOrEqual(5);
  }, 60_000);

  afterAll(async () => {
    await brian2?.catch(() => undefined);
  });
});

describe('Brian2 example models: compiler', () => {
  it('COBAHH compiles as written: continuation lines, 1./taue, mV**-1, exprel, : Hz; exponential_euler as forced', () => {
    const m = defineNeuronModel({ name: 'cobahh', ...COBAHH }).compiled;
    expect(m.states.map((s) => s.name)).toEqual(['v', 'm', 'n', 'h', 'ge', 'gi']);
    expect(m.method).toBe('exponential_euler');
    const param = (name: string): number => m.params.find((p) => p.name === name)!.default;
    expect([param('Cm'), param('gl'), param('g_na'), param('g_kd')].map((x) => +x.toPrecision(12))).toEqual([200, 10, 20000, 6000]); // pF, nS
  });

  it('exprel = (eˣ − 1)/x with exprel(0) = 1, in float64 and in float32 on the GPU (series near 0)', async () => {
    const xs = [0, 1e-7, -1e-7, 1e-4, -1e-3, 0.2, -0.49, 0.5, 1, -3, 8];
    expect(exprel(0)).toBe(1);
    for (const x of xs) if (x !== 0) expect(Math.abs(exprel(x) - Math.expm1(x) / x)).toBeLessThan(1e-15);
    // One Euler step of dy/dt = exprel(x)/ms from y = 0 over dt = 1 ms leaves y = exprel(x).
    const spec: NetworkSpec = {
      dt_ms: 1, models: { er: { equations: 'dy/dt = exprel(x)/ms : 1\nx : 1', method: 'euler' } },
      populations: xs.map((x, k) => ({ name: `X${k}`, size: 1, model: 'er', params: { x } })),
      recorders: xs.map((_, k) => ({ type: 'state' as const, population: `X${k}`, variable: 'y', neurons: 'all' as const, every_ms: 1 })),
    };
    const { gpu, cpu } = await runOnGpuAndCpu(spec, 1);
    const g = (gpu as StateRecording[]).map((r) => r.values[r.values.length - 1]!);
    const c = (cpu as StateRecording[]).map((r) => r.values[r.values.length - 1]!);
    xs.forEach((x, k) => {
      expect(Math.abs(c[k]! - exprel(x)) / exprel(x)).toBeLessThan(1e-7); // float32 storage of the float64 value
      expect(Math.abs(g[k]! - exprel(x)) / exprel(x)).toBeLessThan(1e-6);
    });
  }, 30_000);
});

describe('Brian2 example models: generated WGSL on the GPU against the float64 CPU reference', () => {
  it('COBAHH (400 neurons, 100 ms): spike counts within 2 %, ≥ 95 % of spikes within one step', async () => {
    const spec = cobahhSpec(400, 3);
    const { gpu, cpu } = await runOnGpuAndCpu(spec, 100, 100);
    const g = gpu as SpikeRecording[];
    const c = cpu as SpikeRecording[];
    const nG = g.reduce((s, r) => s + r.steps.length, 0);
    const nC = c.reduce((s, r) => s + r.steps.length, 0);
    const gk = spikeKeys(g);
    const ck = new Set(spikeKeys(c));
    const identical = gk.filter((k) => ck.has(k)).length;
    const missG = unmatched(g, c, 1);
    const missC = unmatched(c, g, 1);
    console.log(`COBAHH 400 neurons 100 ms: GPU ${nG} / CPU ${nC} spikes, ${identical} identical, ${missG} GPU and ${missC} CPU spikes without a partner within ±1 step`);
    expect(nC).toBeGreaterThan(200);
    expect(Math.abs(nG - nC) / nC).toBeLessThan(0.02);
    expect(missG / nG).toBeLessThan(0.05);
    expect(missC / nC).toBeLessThan(0.05);
  }, 60_000);

  it('AdEx and Izhikevich single neurons: GPU spike steps equal the CPU reference\'s (within one step)', async () => {
    for (const [spec, ms] of [[adexSpec(), 300], [izhikevichSpec(), 1000]] as const) {
      const { gpu, cpu } = await runOnGpuAndCpu(spec, ms, 100);
      const g = gpu as SpikeRecording[];
      const c = cpu as SpikeRecording[];
      const gk = spikeKeys(g);
      const ck = new Set(spikeKeys(c));
      console.log(`${spec.populations[0]!.model} on the GPU, ${ms} ms: counts GPU ${counts(g).join(' ')} / CPU ${counts(c).join(' ')}, ${gk.filter((k) => ck.has(k)).length} of ${ck.size} spikes identical`);
      expect(counts(g)).toEqual(counts(c));
      expect(unmatched(g, c, 1)).toBe(0);
    }
  }, 60_000);
});
