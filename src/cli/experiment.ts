/**
 * `cortexgpu experiment <study>`: the two 2026 studies as protocols, writing results.json and
 * figures into --out.
 */
import { Argument, type Command, type Option } from 'commander';
import { nodeGpu } from '../node/gpu.js';
import { nodeShaderLoader } from '../node/shaders.js';
import { REDUNDANCY_QUICK, resolveRedundancyOptions, runRedundancyExperiment, type RedundancyOptions } from '../experiments/redundancy.js';
import { redundancyFigures, redundancyResultsJson } from '../experiments/redundancy-figures.js';
import { BCI_QUICK, BCI_SPIKING_QUICK, resolveBciOptions, runBciExperiment, targetModelOf, type BciOptions } from '../experiments/bci.js';
import { bciFigures } from '../experiments/bci-figures.js';
import { openOutput } from './output.js';
import { integerInRange } from './options.js';
import type { CliIo } from './main.js';

interface ExperimentCliOptions {
  out: string;
  quick?: boolean;
  seed?: number;
  days?: number;
  neurons?: number;
  seeds?: number;
  targets?: number;
  spikingTargets?: boolean;
  software?: 'lavapipe' | 'swiftshader';
}

/** A usage error of the experiment command (reported without a stack trace). */
export class ExperimentUsageError extends Error {
  override readonly name = 'ExperimentUsageError';
}


/** Add the `experiment` command to the CLI program. */
export function registerExperimentCommand(program: Command, io: CliIo, softwareOption: () => Option): void {
  program
    .command('experiment')
    .description('run a study protocol and write results.json and figures (SVG) into DIR')
    .addArgument(new Argument('<study>', 'the study').choices(['redundancy', 'bci']))
    .requiredOption('--out <dir>', 'output folder')
    .option('--quick', 'reduced configuration (minutes on a software GPU; fewer seeds, neurons and days)')
    .option('--seed <n>', 'seed of the network and of every random draw', integerInRange('--seed', 0, 2 ** 32 - 1))
    .option('--days <n>', 'redundancy: days of learning', integerInRange('--days', 2, 1000))
    .option('--neurons <n>', 'redundancy: sensory neurons', integerInRange('--neurons', 1, 2 ** 26))
    .option('--seeds <n>', 'independently built networks (seeds seed … seed + n − 1) per condition (default 5; --quick 3; redundancy needs ≥ 2)', integerInRange('--seeds', 1, 1000))
    .option('--targets <n>', 'bci: neurons in each target group E1 and E2', integerInRange('--targets', 1, 2 ** 26))
    .option('--spiking-targets', 'bci: spiking two-compartment targets (apical plateaus driving bursts, burst-dependent basal plasticity) instead of rate units')
    .addOption(softwareOption())
    .action(async (study: string, options: ExperimentCliOptions) => {
      if (study === 'bci') {
        await bciCommand(options, io);
        return;
      }
      let resolved: RedundancyOptions;
      try {
        const given: Partial<RedundancyOptions> = {
          ...(options.quick ? REDUNDANCY_QUICK : {}),
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
          ...(options.days !== undefined ? { days: options.days } : {}),
          ...(options.neurons !== undefined ? { sensoryNeurons: options.neurons } : {}),
          ...(options.seeds !== undefined ? { seeds: options.seeds } : {}),
        };
        resolved = resolveRedundancyOptions(given);
      } catch (error) {
        if (error instanceof RangeError) throw new ExperimentUsageError(error.message);
        throw error;
      }
      const output = await openOutput(options.out);
      let results: Awaited<ReturnType<typeof runRedundancyExperiment>>;
      const files: { name: string; content: string }[] = [];
      try {
        const context = await nodeGpu({ verbose: true, ...(options.software ? { software: options.software } : {}) });
        results = await runRedundancyExperiment(resolved, {
          context,
          shaders: nodeShaderLoader,
          onProgress: (message) => void io.stderr.write(`cortexgpu: ${message}\n`),
        });
        files.push(
          { name: 'results.json', content: `${JSON.stringify(redundancyResultsJson(results), null, 2)}\n` },
          ...(await redundancyFigures(results)).map((f) => ({ name: f.name, content: f.svg })),
        );
      } catch (error) {
        await output.discard();
        throw error;
      }
      await output.commit(files);
      const last = results.days.length - 1;
      const at = (m: { mean: number[]; se: number[] }, d: number, digits = 3): string => `${m.mean[d]!.toFixed(digits)} ± ${m.se[d]!.toFixed(digits)}`;
      const line = (d: number): string =>
        `  day ${d + 1}: ρ task ${at(results.task.rho, d)}, passive ${at(results.passive.rho, d)}, feedforward control ${at(results.feedforward_control.rho, d)}; ` +
        `I_bc (10⁻³ deg⁻²) task ${at({ mean: results.task.I_bc.mean.map((v) => v * 1e3), se: results.task.I_bc.se.map((v) => v * 1e3) }, d, 2)}\n`;
      io.stdout.write(
        `redundancy study (${results.seeds.length} networks × ${results.options.sensoryNeurons} sensory neurons, ${results.days.length} days) in ${results.wall_s.toFixed(1)} s on ${results.adapter}; mean ± SE across seeds\n` +
          line(0) + line(last) +
          `wrote ${files.length} files to ${options.out}\n`,
      );
    });
}

/** `experiment bci`: the BCI protocol, results.json and its figures (Vega-Lite, SVG). */
async function bciCommand(options: ExperimentCliOptions, io: CliIo): Promise<void> {
  let resolved: BciOptions;
  try {
    resolved = resolveBciOptions({
      ...(options.quick ? BCI_QUICK : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.targets !== undefined ? { targetsPerGroup: options.targets } : {}),
      ...(options.seeds !== undefined ? { seeds: options.seeds } : {}),
      ...(options.spikingTargets ? { targetModel: 'spiking' as const, ...(options.quick ? BCI_SPIKING_QUICK : {}) } : {}),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new ExperimentUsageError(error.message);
    throw error;
  }
  const output = await openOutput(options.out);
  const files: { name: string; content: string }[] = [];
  let results: Awaited<ReturnType<typeof runBciExperiment>>;
  try {
    const context = await nodeGpu({ verbose: true, ...(options.software ? { software: options.software } : {}) });
    results = await runBciExperiment(resolved, { context, shaders: nodeShaderLoader, onProgress: (m) => void io.stderr.write(`cortexgpu: ${m}\n`) });
    files.push({ name: 'results.json', content: `${JSON.stringify(results, null, 2)}\n` }, ...(await bciFigures(results)).map((f) => ({ name: f.name, content: f.svg })));
  } catch (error) {
    await output.discard();
    if (error instanceof RangeError && error.message.startsWith('bci:')) throw new ExperimentUsageError(error.message);
    throw error;
  }
  await output.commit(files);
  const last = results.sessions.length - 1;
  const pct = (m: number, se: number): string => `${(m * 100).toFixed(0)} ± ${(se * 100).toFixed(0)} %`;
  const curve = (name: 'vectorized' | 'scalar' | 'blocked'): string => {
    const c = results[name];
    return c ? `${name} ${pct(c.hit_rate_mean[0]!, c.hit_rate_se[0]!)} → ${pct(c.hit_rate_mean[last]!, c.hit_rate_se[last]!)}` : '';
  };
  io.stdout.write(
    `BCI study (${targetModelOf(resolved).networkSummary(resolved)}, ${resolved.sessions} sessions, ${results.seeds.length} networks per condition) in ${results.wall_s.toFixed(1)} s on ${results.adapter}\n` +
      `  learning rates (${results.learning_rates.chosen_by}): dendritic ${results.learning_rates.dendritic}, neuromodulatory ${results.learning_rates.neuromodulatory}` +
      `${results.condition_scale_sweep ? `; per condition × ${Object.entries(results.condition_scale_sweep.chosen).map(([c, f]) => `${c} ${f}`).join(', ')}` : ''}\n` +
      `  hit rate, session 1 → ${last + 1} (mean ± SE across networks): ${(['vectorized', 'scalar', 'blocked'] as const).map(curve).filter((x) => x !== '').join('; ')}\n` +
      results.effects.map((e) => `  ${e.emerged ? 'emerged' : 'did not emerge'}: ${e.effect} — ${e.measured}\n`).join('') +
      `wrote ${files.length} files to ${options.out}\n`,
  );
}
