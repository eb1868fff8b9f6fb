/**
 * Events of cortexgpu's Lit components. Every event is a `CustomEvent` that bubbles and is
 * `composed` (crosses shadow roots), named `cg-<what>`, with a typed `detail`.
 */

/** Dispatch a bubbling, composed `CustomEvent` from an element; returns whether it was not cancelled. */
export function emit<T>(target: EventTarget, type: string, detail: T, cancelable = false): boolean {
  return target.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true, cancelable }));
}

/** Why a simulation stopped with an error. */
export type SimulationErrorKind = 'no-webgpu' | 'device-lost' | 'diverged' | 'invalid-spec' | 'too-large' | 'failed';

/** `cg-error`: the simulation stopped; `message` says what happened and what to do. */
export interface SimulationErrorDetail {
  readonly kind: SimulationErrorKind;
  readonly message: string;
  /** The error object, for programmatic handling. */
  readonly error: unknown;
}

/** `cg-progress`: after every animation frame that advanced the simulation. */
export interface SimulationProgressDetail {
  /** Steps simulated since the last reset. */
  readonly stepCount: number;
  /** Simulated time since the last reset, ms. */
  readonly simulatedMs: number;
  /** Steps advanced in this frame. */
  readonly stepsThisFrame: number;
  /** Wall-clock time of this frame's advance (GPU work and drain), ms. */
  readonly frameMs: number;
  /** Neuron updates (neurons × batch × steps) per second of wall time, over the last second. */
  readonly neuronStepsPerS: number;
  /** Synaptic events per second of wall time over the last second (spike deliveries, or rate-synapse reads). */
  readonly synapticEventsPerS: number;
}

/** `cg-state`: playing or paused. */
export interface SimulationStateDetail {
  readonly playing: boolean;
  /** Why the loop is not running although `playing` is set, if it is not: off-screen, hidden tab. */
  readonly suspended: 'offscreen' | 'hidden' | null;
}
