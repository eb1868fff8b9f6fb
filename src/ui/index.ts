/**
 * cortexgpu's Lit components. Importing this module defines every element:
 *
 * - `<cg-simulation>` ({@link SimulationElement}) — owns a network and steps it per animation frame;
 * - `<cg-controls>` ({@link ControlsElement}) — play, pause, step, reset, seed, steps per frame;
 * - `<cg-parameter-panel>` ({@link ParameterPanelElement}) — live parameter sliders from model metadata;
 * - `<cg-activity-view>` ({@link ActivityViewElement}) — spike raster / rate heatmap drawn with WebGPU from the simulator's buffers;
 * - `<cg-matrix-view>` ({@link MatrixViewElement}) — covariance, correlation or weight matrices;
 * - `<cg-time-series>` ({@link TimeSeriesElement}) — line plots (uPlot);
 * - `<cg-bci-view>` ({@link BciViewElement}) — the BCI task: grating, E1/E2 traces, rewards.
 */
export { SimulationElement, findSimulationHost, classifyError, type SimulationReadyDetail, type SimulationRecordingsDetail, type SimulationStatus } from './simulation-host.js';
export { SimulationLoopController, type LoopSuspension, type SimulationLoopOptions } from './simulation-loop-controller.js';
export { ControlsElement, formatRate } from './controls.js';
export { ParameterPanelElement, knobsForSimulator, parameterRange, niceStep, type ParameterKnob, type ParameterChangeDetail, type ParameterRefusedDetail } from './parameter-panel.js';
export { ActivityViewElement } from './activity-view.js';
export { MatrixViewElement } from './matrix-view.js';
export { TimeSeriesElement } from './time-series.js';
export { BciViewElement } from './bci-view.js';
export { emit, type SimulationErrorDetail, type SimulationErrorKind, type SimulationProgressDetail, type SimulationStateDetail } from './events.js';
export { webgpuHelp } from '../gpu/browser.js';
