// wgsl_reflect's package.json points "main" at a CommonJS build while declaring
// "type": "module", so Node cannot load it by name; cortexgpu imports the ES module build
// directly and reuses the package's own type declarations for it.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
