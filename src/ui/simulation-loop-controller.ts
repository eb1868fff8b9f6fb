/**
 * The simulation loop of a Lit host as a reactive controller: one `tick` per animation frame
 * while the host is connected, on screen and in a visible tab, never overlapping (a frame whose
 * previous tick is still waiting on the GPU is skipped, so work never piles up).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Why ticks are not delivered although the loop is enabled. */
export type LoopSuspension = 'offscreen' | 'hidden' | null;

/** Options of {@link SimulationLoopController}. */
export interface SimulationLoopOptions {
  /** Called once per animation frame while enabled and not suspended; the next tick waits for it. */
  readonly tick: (frameTime: DOMHighResTimeStamp) => Promise<void>;
  /** Called when the suspension changes (off-screen, hidden tab, or back). */
  readonly onSuspensionChange?: (suspended: LoopSuspension) => void;
}

/**
 * Drives `tick` from `requestAnimationFrame`. It pauses by itself when the host element leaves
 * the viewport (IntersectionObserver) or the tab is hidden, and stops when the host is
 * disconnected; `enabled` is the user's play/pause.
 */
export class SimulationLoopController implements ReactiveController {
  /** The user's play state; ticks run only while true. */
  enabled = false;
  private frame = 0;
  private busy = false;
  private connected = false;
  private visible = true;
  private onScreen = true;
  private observer: IntersectionObserver | null = null;
  private lastSuspension: LoopSuspension = null;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly options: SimulationLoopOptions,
  ) {
    host.addController(this);
  }

  /** Why the loop is suspended, or null when it would run. */
  get suspended(): LoopSuspension {
    if (!this.visible) return 'hidden';
    if (!this.onScreen) return 'offscreen';
    return null;
  }

  /** Whether a tick is in progress. */
  get ticking(): boolean {
    return this.busy;
  }

  hostConnected(): void {
    this.connected = true;
    this.visible = document.visibilityState !== 'hidden';
    document.addEventListener('visibilitychange', this.onVisibility);
    if (typeof IntersectionObserver !== 'undefined') {
      this.observer = new IntersectionObserver((entries) => {
        const entry = entries[entries.length - 1];
        if (!entry) return;
        this.onScreen = entry.isIntersecting;
        this.reportSuspension();
      });
      this.observer.observe(this.host);
    }
    this.schedule();
  }

  hostDisconnected(): void {
    this.connected = false;
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.observer?.disconnect();
    this.observer = null;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  private readonly onVisibility = (): void => {
    this.visible = document.visibilityState !== 'hidden';
    this.reportSuspension();
  };

  private reportSuspension(): void {
    const now = this.suspended;
    if (now !== this.lastSuspension) {
      this.lastSuspension = now;
      this.options.onSuspensionChange?.(now);
    }
  }

  private schedule(): void {
    if (!this.connected || this.frame !== 0) return;
    this.frame = requestAnimationFrame(this.onFrame);
  }

  private readonly onFrame = (time: DOMHighResTimeStamp): void => {
    this.frame = 0;
    if (!this.connected) return;
    if (this.enabled && !this.busy && this.suspended === null) {
      this.busy = true;
      this.options
        .tick(time)
        .catch(() => undefined) // the tick reports its own errors
        .finally(() => {
          this.busy = false;
        });
    }
    this.schedule();
  };
}
