/**
 * Model editor: type a neuron model in Brian2's equation syntax, see problems at their line and
 * column as you type (compiled 300 ms after the last keystroke with `equationModelDef`), read the
 * chosen integration method and the generated WGSL, and run a population of the model live on
 * the GPU: spike raster (`<cg-activity-view>`) and a state trace (`<cg-time-series>`).
 *
 * The page keeps running the last model that compiled while the text has problems. With
 * "Restart when the model or network changes" checked, a change that compiles to a different
 * model (or a changed network setting) rebuilds the simulation; Run always rebuilds.
 *
 * For tests the page publishes, besides `document.body.dataset.state` (see demo-page.ts),
 * `window.cortexgpuDemo`: `compile` (the last compile outcome: `{ ok, method }` or
 * `{ ok: false, field, line, column, message }`), `compiles` (count), `runs` (rebuilds asked
 * for), `builds` (simulations built, counted at `cg-ready`), `spikes` (spikes since the last
 * build), `firstResultMs`.
 *
 * URL parameters (optional): `example` (`cuba`, `adex`, `izhikevich`), `neurons` (default
 * 1,000 on a GPU, 300 on a software adapter).
 */
import { ContinuousDriver } from '../../src/gpu/driver.js';
import type { SpikeRecording, StateRecording } from '../../src/model/recording.js';
import type { EquationNeuronModelDef } from '../../src/model/equations/index.js';
import type { NetworkSpec } from '../../src/model/spec.js';
import type { ActivityViewElement, SimulationElement, SimulationReadyDetail, SimulationRecordingsDetail, TimeSeriesElement } from '../../src/ui/index.js';
import type { SimulationErrorDetail } from '../../src/ui/events.js';
import { connectDemo, numberParam, pageElement } from '../shared/demo-page.js';
import {
  EXAMPLES, POPULATION, TRACE_NEURONS, compileFields, describeProblem, editorSpec, problemOf, visibleStateVariables,
  type CompileOutcome, type EditorField, type EditorFields, type FieldProblem, type ModelExample, type NetworkSettings,
} from './model-editor.js';

/** Debounce of compiling while typing, ms. */
const COMPILE_DELAY_MS = 300;
/** Window of the displayed rate, ms of simulated time. */
const RATE_WINDOW_MS = 200;

const host = pageElement<SimulationElement>('#sim');
const modelForm = pageElement<HTMLFormElement>('#model');
const networkForm = pageElement<HTMLFormElement>('#network');
const exampleSelect = pageElement<HTMLSelectElement>('#example');
const statusEl = pageElement<HTMLParagraphElement>('#compile-status');
const wgslEl = pageElement<HTMLElement>('#wgsl');
const wgslSummary = pageElement<HTMLElement>('#wgsl-details summary');
const raster = pageElement<ActivityViewElement>('#raster');
const tracePlot = pageElement<TimeSeriesElement>('#trace');
const traceSelect = pageElement<HTMLSelectElement>('#trace-var');
const autoRestart = pageElement<HTMLInputElement>('#auto');
const networkProblem = pageElement<HTMLDivElement>('#network-problem');
const runningEl = pageElement<HTMLParagraphElement>('#running');
const published = connectDemo(host, document.querySelector('#adapter'));

/** The editor's text fields and the controls they are read from. */
const modelInputs: Record<keyof EditorFields, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement> = {
  equations: pageElement('#f-equations'),
  threshold: pageElement('#f-threshold'),
  reset: pageElement('#f-reset'),
  refractory: pageElement('#f-refractory'),
  method: pageElement('#f-method'),
  namespace: pageElement('#f-namespace'),
  current: pageElement('#f-current'),
};
const fieldInputs: Record<EditorField, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement> = { ...modelInputs, initial: pageElement('#f-initial') };
const net = {
  neurons: pageElement<HTMLInputElement>('#neurons'),
  initial: pageElement<HTMLTextAreaElement>('#f-initial'),
  recTarget: pageElement<HTMLSelectElement>('#rec-target'),
  recSign: pageElement<HTMLSelectElement>('#rec-sign'),
  recWeight: pageElement<HTMLInputElement>('#rec-weight'),
  recIndegree: pageElement<HTMLInputElement>('#rec-indegree'),
  recDelay: pageElement<HTMLInputElement>('#rec-delay'),
  dc: pageElement<HTMLInputElement>('#dc'),
  poissonTarget: pageElement<HTMLSelectElement>('#poisson-target'),
  poissonSign: pageElement<HTMLSelectElement>('#poisson-sign'),
  poissonWeight: pageElement<HTMLInputElement>('#poisson-weight'),
  poissonRate: pageElement<HTMLInputElement>('#poisson-rate'),
  poissonSources: pageElement<HTMLInputElement>('#poisson-sources'),
};

// ---------------------------------------------------------------------------------------------
// Line numbers and problems of the fields

/** A problem box under every field, and line-number gutters beside the text areas. */
const problemBoxes = new Map<EditorField, HTMLDivElement>();
for (const [field, input] of Object.entries(fieldInputs) as [EditorField, HTMLElement][]) {
  const box = document.createElement('div');
  box.className = 'problem';
  box.id = `problem-${field}`;
  box.setAttribute('role', 'alert');
  box.hidden = true;
  input.closest('.field')!.append(box);
  problemBoxes.set(field, box);
  if (input instanceof HTMLTextAreaElement) {
    input.addEventListener('input', () => renderGutter(input));
    input.addEventListener('scroll', () => {
      gutterOf(input).scrollTop = input.scrollTop;
    });
    renderGutter(input);
  }
}

function gutterOf(textarea: HTMLTextAreaElement): HTMLElement {
  return textarea.parentElement!.querySelector<HTMLElement>('.gutter')!;
}

/** Line numbers of a text area, the line with a problem (if any) marked. */
function renderGutter(textarea: HTMLTextAreaElement, errorLine = Number(textarea.dataset.errorLine ?? 0)): void {
  const gutter = gutterOf(textarea);
  const lines = Math.max(1, textarea.value.split('\n').length, Number(textarea.rows));
  const spans: HTMLSpanElement[] = [];
  for (let i = 1; i <= lines; i++) {
    const span = document.createElement('span');
    span.textContent = String(i);
    if (i === errorLine) {
      span.className = 'error';
      span.title = 'problem on this line';
    }
    spans.push(span);
  }
  gutter.replaceChildren(...spans);
  gutter.scrollTop = textarea.scrollTop;
}

/** Show one problem under its field (or clear every field with `null`). */
function showProblem(problem: FieldProblem | null): void {
  for (const [field, box] of problemBoxes) {
    const input = fieldInputs[field];
    const mine = problem !== null && problem.field === field;
    box.hidden = !mine;
    if (mine) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    if (mine) input.setAttribute('aria-describedby', box.id);
    else input.removeAttribute('aria-describedby');
    if (input instanceof HTMLTextAreaElement) {
      if (mine && problem.line > 0) input.dataset.errorLine = String(problem.line);
      else delete input.dataset.errorLine;
      renderGutter(input);
    }
    if (!mine) {
      box.replaceChildren();
      continue;
    }
    const message = document.createElement('p');
    message.className = 'problem-message';
    message.textContent = describeProblem(problem);
    box.replaceChildren(message);
    const text = input instanceof HTMLSelectElement ? '' : input.value;
    const lineText = problem.line > 0 ? text.split('\n')[problem.line - 1] : undefined;
    if (lineText !== undefined) box.append(excerpt(lineText, problem.line, problem.column));
  }
}

/** The line with the problem, the token at the column marked, and a caret under it. */
function excerpt(lineText: string, line: number, column: number): HTMLPreElement {
  const pre = document.createElement('pre');
  pre.className = 'excerpt';
  const prefix = `${line} │ `;
  const at = Math.max(0, Math.min(column - 1, lineText.length));
  const token = column > 0 ? (/^[A-Za-z0-9_.]+/.exec(lineText.slice(at))?.[0] ?? lineText.slice(at, at + 1)) : '';
  const mark = document.createElement('mark');
  mark.textContent = token || ' ';
  pre.append(prefix + lineText.slice(0, at), mark, lineText.slice(at + token.length));
  if (column > 0) pre.append(`\n${' '.repeat(prefix.length + at)}^`);
  return pre;
}

// ---------------------------------------------------------------------------------------------
// Compiling

let compileTimer = 0;
let compiles = 0;
/** The last outcome, and the last one that compiled. */
let latest: CompileOutcome | null = null;
let lastGood: Extract<CompileOutcome, { ok: true }> | null = null;

function readFields(): EditorFields {
  return {
    equations: modelInputs.equations.value,
    threshold: modelInputs.threshold.value,
    reset: modelInputs.reset.value,
    refractory: modelInputs.refractory.value,
    method: modelInputs.method.value as EditorFields['method'],
    namespace: modelInputs.namespace.value,
    current: modelInputs.current.value,
  };
}

function setOptions(select: HTMLSelectElement, values: readonly string[], preferred: string): void {
  const keep = values.includes(preferred) ? preferred : values.includes(select.value) ? select.value : (values[0] ?? '');
  select.replaceChildren(...values.map((v) => new Option(v, v)));
  select.value = keep;
  select.disabled = values.length === 0;
}

/** Unit of a variable of a model (default: the last that compiled), in the internal unit system. */
function unitOf(name: string, def = lastGood?.def): string {
  return def?.state.find((s) => s.name === name)?.unit ?? '';
}

function updateUnits(): void {
  pageElement('#rec-unit').textContent = unitOf(net.recTarget.value);
  pageElement('#poisson-unit').textContent = unitOf(net.poissonTarget.value);
  const def = lastGood?.def;
  pageElement('#dc-unit').textContent = def?.acceptsCurrent ? `${def.currentUnit} (into ${def.compiled.currentParam})` : '(needs a current parameter)';
  net.dc.disabled = !def?.acceptsCurrent;
}

/** Compile the fields now: show the problem or the method and WGSL; restart if asked to. */
function compileNow(options: { preferred?: { recTarget?: string; poissonTarget?: string }; run?: boolean } = {}): void {
  window.clearTimeout(compileTimer);
  const outcome = compileFields(readFields());
  latest = outcome;
  compiles++;
  published['compiles'] = compiles;
  if (!outcome.ok) {
    const p = outcome.problem;
    published['compile'] = { ok: false, field: p.field, line: p.line, column: p.column, message: p.message };
    showProblem(p);
    statusEl.dataset.kind = 'error';
    statusEl.textContent = `Problem in ${p.field}${p.line > 0 ? ` (line ${p.line}${p.column > 0 ? `, col ${p.column}` : ''})` : ''}.${lastGood ? ' The simulation keeps running the last model that compiled.' : ''}`;
    return;
  }
  lastGood = outcome;
  const { def } = outcome;
  const c = def.compiled;
  published['compile'] = { ok: true, method: c.method };
  showProblem(null);
  statusEl.dataset.kind = 'ok';
  statusEl.textContent =
    `Compiles in ${outcome.ms.toFixed(0)} ms · method ${c.method} (${c.methodReason}) · state ${c.states.map((s) => s.name).join(', ')}` +
    ` · on_pre targets ${c.onPreTargets.join(', ')}${c.currentParam ? ` · current ${c.currentParam} (${def.currentUnit})` : ''}`;
  wgslEl.textContent = def.updateShaderText ?? '';
  wgslSummary.textContent = `Generated WGSL (${(def.updateShaderText ?? '').split('\n').length} lines, method ${c.method})`;
  setOptions(net.recTarget, c.onPreTargets, options.preferred?.recTarget ?? '');
  setOptions(net.poissonTarget, c.onPreTargets, options.preferred?.poissonTarget ?? '');
  updateUnits();
  if (options.run || autoRestart.checked) run(options.run === true);
  else checkNetwork();
}

function scheduleCompile(): void {
  window.clearTimeout(compileTimer);
  compileTimer = window.setTimeout(() => compileNow(), COMPILE_DELAY_MS);
}

modelForm.addEventListener('input', (e) => {
  if (e.target === exampleSelect) return;
  scheduleCompile();
});
modelForm.addEventListener('change', (e) => {
  // Selects (method) change without typing: compile at once.
  if (e.target === modelInputs.method) compileNow();
});
modelForm.addEventListener('submit', (e) => e.preventDefault());

// ---------------------------------------------------------------------------------------------
// Examples

for (const example of EXAMPLES) exampleSelect.append(new Option(example.label, example.id));

function loadExample(example: ModelExample, start: boolean): void {
  for (const key of Object.keys(modelInputs) as (keyof EditorFields)[]) modelInputs[key].value = example.fields[key];
  const n = example.network;
  net.initial.value = n.initial;
  net.recSign.value = n.recurrent.sign;
  net.recWeight.value = String(n.recurrent.weight);
  net.recIndegree.value = String(n.recurrent.indegree);
  net.recDelay.value = String(n.recurrent.delayMs);
  net.dc.value = String(n.dc);
  net.poissonSign.value = n.poisson.sign;
  net.poissonWeight.value = String(n.poisson.weight);
  net.poissonRate.value = String(n.poisson.rateHz);
  net.poissonSources.value = String(n.poisson.sources);
  for (const input of Object.values(fieldInputs)) if (input instanceof HTMLTextAreaElement) renderGutter(input);
  published['example'] = example.id;
  preferredTrace = n.trace;
  compileNow({ preferred: { recTarget: n.recurrent.target, poissonTarget: n.poisson.target }, run: start });
}

exampleSelect.addEventListener('change', () => {
  const example = EXAMPLES.find((x) => x.id === exampleSelect.value);
  if (example) loadExample(example, autoRestart.checked);
});

// ---------------------------------------------------------------------------------------------
// Running

/** Neurons by default on a GPU and on a software adapter (no GPU), unless the URL says. */
const DEFAULT_NEURONS = { gpu: 1000, software: 300 } as const;
/** Whether the size still is the default (then the first build picks it for the adapter). */
let defaultSize = !new URLSearchParams(location.search).has('neurons');
/** What the next build simulates. */
let pending: { def: EquationNeuronModelDef; key: string; settings: NetworkSettings } | null = null;
/** The model and spec built last (the trace offers that model's variables). */
let built: { def: EquationNeuronModelDef; spec: NetworkSpec } | null = null;
/** Trace variable to select at the next build (an example's), if the model has it. */
let preferredTrace = '';
/** Model and network of the simulation built last (to skip rebuilding an unchanged one). */
let runningKey = '';
let runs = 0;

/** Identifies a model and network (the trace variable aside), to skip rebuilding an unchanged one. */
function runKey(modelKey: string, settings: NetworkSettings): string {
  const { trace: _trace, ...network } = settings;
  return JSON.stringify([modelKey, network]);
}

function readNetwork(): NetworkSettings {
  const num = (input: HTMLInputElement, fallback = 0): number => (input.value.trim() === '' || !Number.isFinite(Number(input.value)) ? fallback : Number(input.value));
  return {
    neurons: num(net.neurons, 100),
    initial: net.initial.value,
    recurrent: { target: net.recTarget.value, sign: net.recSign.value as '+=' | '-=', weight: num(net.recWeight), indegree: num(net.recIndegree), delayMs: num(net.recDelay, 1) },
    dc: num(net.dc),
    poisson: { target: net.poissonTarget.value, sign: net.poissonSign.value as '+=' | '-=', rateHz: num(net.poissonRate), sources: num(net.poissonSources, 1), weight: num(net.poissonWeight) },
    trace: traceSelect.value,
  };
}

function showNetworkProblem(message: string | null): void {
  networkProblem.hidden = message === null;
  networkProblem.textContent = message ?? '';
}

/**
 * Check the network settings against the last model that compiled (initial values, targets):
 * problems are shown at their field; returns the settings when they are usable.
 */
function checkNetwork(): NetworkSettings | null {
  if (!lastGood || latest?.ok !== true) return null;
  const settings = readNetwork();
  try {
    editorSpec(lastGood.def, settings);
  } catch (error) {
    const problem = problemOf(error);
    showProblem(problem);
    showNetworkProblem(problem ? null : error instanceof Error ? error.message : String(error));
    return null;
  }
  showProblem(null);
  showNetworkProblem(null);
  return settings;
}

/**
 * Build the simulation of the last model that compiled with the network settings. Without
 * `force`, nothing happens when model and network are those already running.
 */
function run(force: boolean): void {
  if (!lastGood || latest?.ok !== true) {
    if (force) showNetworkProblem('Fix the problem in the model first; the simulation keeps running the last model that compiled.');
    return;
  }
  const settings = checkNetwork();
  if (!settings) return;
  const key = runKey(lastGood.key, settings);
  if (!force && key === runningKey) return;
  runningKey = key;
  pending = { def: lastGood.def, key: lastGood.key, settings };
  runs++;
  published['runs'] = runs;
  if (host.driverFactory) void host.reset();
  else host.driverFactory = factory;
}

const factory: NonNullable<SimulationElement['driverFactory']> = async (env) => {
  if (!pending) throw new Error('No model has compiled yet.');
  let { settings } = pending;
  if (defaultSize && env.context.info.software) {
    // A software adapter (no GPU) gets a size that still plays smoothly.
    net.neurons.value = String(DEFAULT_NEURONS.software);
    settings = { ...settings, neurons: DEFAULT_NEURONS.software };
    runningKey = runKey(pending.key, settings);
  }
  defaultSize = false;
  const spec = editorSpec(pending.def, settings);
  built = { def: pending.def, spec };
  runningEl.textContent = `Running: ${settings.neurons} neurons of the model (method ${pending.def.compiled.method}), built ${new Date().toLocaleTimeString()}.`;
  return ContinuousDriver.create(spec, env);
};

networkForm.addEventListener('submit', (e) => {
  e.preventDefault();
  if (latest?.ok) run(true);
  else compileNow({ run: true });
});
networkForm.addEventListener('change', (e) => {
  const target = e.target as HTMLElement;
  if (target === traceSelect) {
    resetTrace();
    return;
  }
  if (target === net.recTarget || target === net.poissonTarget) updateUnits();
  if (autoRestart.checked) run(false);
  else checkNetwork();
});
// The initial-values field is text: check it while typing, like the model's fields.
let initialTimer = 0;
net.initial.addEventListener('input', () => {
  window.clearTimeout(initialTimer);
  initialTimer = window.setTimeout(() => {
    if (autoRestart.checked) run(false);
    else checkNetwork();
  }, COMPILE_DELAY_MS);
});

// ---------------------------------------------------------------------------------------------
// Raster, trace and spike counts

let spikes = 0;
/** Spikes per frame, for the rate over the last {@link RATE_WINDOW_MS}. */
let recent: { tMs: number; spikes: number }[] = [];
let neurons = 0;
let builds = 0;

function resetTrace(): void {
  const variable = traceSelect.value;
  const unit = unitOf(variable, built?.def);
  tracePlot.yLabel = unit ? `${variable} (${unit})` : variable;
  tracePlot.series = TRACE_NEURONS.slice(0, Math.max(1, Math.min(TRACE_NEURONS.length, neurons))).map((n) => ({ label: `neuron ${n}` }));
  tracePlot.clear();
}

host.addEventListener('cg-ready', (e) => {
  const { simulator } = (e as CustomEvent<SimulationReadyDetail>).detail;
  neurons = built?.spec.populations[0]?.size ?? 0;
  if (built) setOptions(traceSelect, visibleStateVariables(built.def), preferredTrace);
  preferredTrace = '';
  showNetworkProblem(null);
  builds++;
  published['builds'] = builds;
  spikes = 0;
  recent = [];
  published['spikes'] = 0;
  pageElement('#spike-count').textContent = '0';
  pageElement('#rate').textContent = '—';
  raster.population = POPULATION;
  raster.maxRows = Math.min(200, neurons);
  raster.simulator = simulator;
  resetTrace();
});

host.addEventListener('cg-recordings', (e) => {
  const { recordings, stepCount, dtMs } = (e as CustomEvent<SimulationRecordingsDetail>).detail;
  const spikeRec = recordings.find((r): r is SpikeRecording => r.type === 'spikes');
  const frameSpikes = spikeRec?.steps.length ?? 0;
  spikes += frameSpikes;
  const now = stepCount * dtMs;
  recent.push({ tMs: now, spikes: frameSpikes });
  while (recent.length > 1 && now - recent[0]!.tMs > RATE_WINDOW_MS) recent.shift();
  const spanMs = recent.length > 1 ? now - recent[0]!.tMs : 0;
  const windowSpikes = recent.slice(1).reduce((a, r) => a + r.spikes, 0);
  pageElement('#spike-count').textContent = spikes.toLocaleString('en-US');
  if (spanMs > 0 && neurons > 0) pageElement('#rate').textContent = `${(windowSpikes / neurons / (spanMs / 1000)).toFixed(1)} Hz`;
  published['spikes'] = spikes;
  published['firstResultMs'] ??= performance.now();

  const state = recordings.find((r): r is StateRecording => r.type === 'state' && r.variable === traceSelect.value);
  if (state) {
    const k = state.neurons.length;
    for (let s = 0; s < state.timesMs.length; s++) tracePlot.append(state.timesMs[s]!, Array.from(state.values.subarray(s * k, (s + 1) * k)));
  }
});

host.addEventListener('cg-error', (e) => {
  if (e.target !== host) return;
  // A model that compiles but cannot be built or diverges: say so beside the Run button too.
  showNetworkProblem((e as CustomEvent<SimulationErrorDetail>).detail.message);
  runningKey = '';
});

// ---------------------------------------------------------------------------------------------
// Start

const initial = EXAMPLES.find((x) => x.id === new URLSearchParams(location.search).get('example')) ?? EXAMPLES[0]!;
exampleSelect.value = initial.id;
net.neurons.value = String(Math.round(numberParam('neurons', DEFAULT_NEURONS.gpu)));
loadExample(initial, true);
