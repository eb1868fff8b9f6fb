// Types of bench/lib/chromium.mjs, for test/support/browser.ts.
export declare const chromiumPath: string;
export declare const MISSING_CHROMIUM: string;
export declare const WEBGPU_FLAGS: readonly string[];
export declare const WEBGPU_HARDWARE_FLAGS: readonly string[];
export declare const BASE_FLAGS: readonly string[];
export declare function hasHardwareGpu(): boolean;
