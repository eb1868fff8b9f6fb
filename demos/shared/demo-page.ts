/**
 * What every demo page shares: the page state published for tests and the adapter line.
 *
 * For automated tests a page publishes `document.body.dataset.state` (`loading`, `ready`,
 * `error`; with `data-error-kind` on errors) and `window.cortexgpuDemo`, an object with the
 * host element and whatever the page measured: at least `readyMs` (page time, ms, when the
 * simulation was built) and `firstResultMs` (page time of the first result shown: a block, a
 * session, the first rates), both from `performance.now()`, i.e. since navigation started.
 */
import '../../src/ui/index.js';
import type { SimulationElement, SimulationReadyDetail } from '../../src/ui/index.js';
import type { SimulationErrorDetail } from '../../src/ui/events.js';

declare global {
  interface Window {
    /** Set by every demo page: its simulation host and its measurements so far. */
    cortexgpuDemo?: { host: SimulationElement; [key: string]: unknown };
  }
}

/** Query an element of the page; throws naming the selector when it is missing. */
export function pageElement<T extends Element>(selector: string): T {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`The page has no ${selector}`);
  return el;
}

/** A URL parameter as a number, or the fallback when absent or not a finite number. */
export function numberParam(name: string, fallback: number): number {
  const raw = new URLSearchParams(location.search).get(name);
  const value = raw === null ? Number.NaN : Number(raw);
  return Number.isFinite(value) ? value : fallback;
}

/**
 * Wire a host to the page: body state for tests, the adapter line, `window.cortexgpuDemo`.
 * Returns the object published as `window.cortexgpuDemo` for the page to add measurements to.
 */
export function connectDemo(host: SimulationElement, adapterLine: Element | null): { host: SimulationElement; [key: string]: unknown } {
  const published: { host: SimulationElement; [key: string]: unknown } = { host };
  window.cortexgpuDemo = published;
  document.body.dataset.state = 'loading';
  host.addEventListener('cg-ready', (e) => {
    const detail = (e as CustomEvent<SimulationReadyDetail>).detail;
    document.body.dataset.state = 'ready';
    published['readyMs'] ??= performance.now();
    delete document.body.dataset.errorKind;
    if (adapterLine) adapterLine.textContent = `Adapter: ${detail.adapter}`;
    published['adapter'] = detail.adapter;
    published['software'] = detail.context.info.software;
  });
  host.addEventListener('cg-error', (e) => {
    // The page state is the host's: a view's drawing error (e.g. on the lost device, before the
    // host has classified the loss) is shown in the view's caption only.
    if (e.target !== host) return;
    const detail = (e as CustomEvent<SimulationErrorDetail>).detail;
    document.body.dataset.state = 'error';
    document.body.dataset.errorKind = detail.kind;
  });
  return published;
}

