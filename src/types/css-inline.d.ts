/** Vite's `?inline` CSS imports: the stylesheet's text, for injection into shadow roots. */
declare module '*.css?inline' {
  const css: string;
  export default css;
}
