/**
 * The intermediate form of an equation model: expressions as a small typed tree (numbers in
 * internal units, references to state variables and parameters) that both code generators
 * (WGSL and float64 JavaScript) print in the same order of operations.
 */

/** An expression after name resolution and dimension checking. */
export type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'state'; readonly name: string }
  | { readonly k: 'param'; readonly name: string }
  | { readonly k: 'dt' }
  | { readonly k: 'bin'; readonly op: '+' | '-' | '*' | '/'; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'neg'; readonly a: Expr }
  | { readonly k: 'pow'; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly Expr[] }
  | { readonly k: 'cmp'; readonly op: '<' | '>' | '<=' | '>=' | '==' | '!='; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'logic'; readonly op: 'and' | 'or'; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'not'; readonly a: Expr }
  /** A condition used as a number (Brian2's `int(cond)`): 1 or 0. */
  | { readonly k: 'b2n'; readonly a: Expr }
  /** The `index`-th random number of the step (`rand()`: uniform in [0, 1), `randn()`: standard normal). */
  | { readonly k: 'rng'; readonly dist: 'uniform' | 'normal'; readonly index: number }
  /** White noise ξ (`xi`, `xi_name`); only in differential equations, split off before integration. */
  | { readonly k: 'xi'; readonly name: string };

/** Replace state-variable references (e.g. by the values of a Runge–Kutta stage, or by 0). */
export function substituteState(e: Expr, f: (name: string) => Expr | undefined): Expr {
  switch (e.k) {
    case 'state':
      return f(e.name) ?? e;
    case 'num':
    case 'param':
    case 'dt':
    case 'rng':
    case 'xi':
      return e;
    case 'bin':
    case 'pow':
    case 'cmp':
    case 'logic':
      return { ...e, a: substituteState(e.a, f), b: substituteState(e.b, f) };
    case 'neg':
    case 'not':
    case 'b2n':
      return { ...e, a: substituteState(e.a, f) };
    case 'call':
      return { ...e, args: e.args.map((x) => substituteState(x, f)) };
  }
}

/** What an expression reads: state variables, parameters, white noises, random numbers. */
export interface References {
  state: Set<string>;
  param: Set<string>;
  xi?: Set<string>;
  rng?: boolean;
}

/** Replace white-noise terms (e.g. by 0 for the deterministic part). */
export function substituteXi(e: Expr, f: (name: string) => Expr): Expr {
  switch (e.k) {
    case 'xi':
      return f(e.name);
    case 'num':
    case 'param':
    case 'dt':
    case 'rng':
    case 'state':
      return e;
    case 'bin':
    case 'pow':
    case 'cmp':
    case 'logic':
      return { ...e, a: substituteXi(e.a, f), b: substituteXi(e.b, f) };
    case 'neg':
    case 'not':
    case 'b2n':
      return { ...e, a: substituteXi(e.a, f) };
    case 'call':
      return { ...e, args: e.args.map((x) => substituteXi(x, f)) };
  }
}

/** Names of the state variables and parameters an expression reads. */
export function references(e: Expr, out: References = { state: new Set(), param: new Set(), xi: new Set(), rng: false }): References {
  switch (e.k) {
    case 'state':
      out.state.add(e.name);
      break;
    case 'param':
      out.param.add(e.name);
      break;
    case 'bin':
    case 'pow':
    case 'cmp':
    case 'logic':
      references(e.a, out);
      references(e.b, out);
      break;
    case 'neg':
    case 'not':
    case 'b2n':
      references(e.a, out);
      break;
    case 'xi':
      out.xi?.add(e.name);
      break;
    case 'rng':
      out.rng = true;
      break;
    case 'call':
      for (const a of e.args) references(a, out);
      break;
    default:
      break;
  }
  return out;
}

/** Functions that equations may call, with their arity. */
export const FUNCTIONS: Readonly<Record<string, number>> = {
  exp: 1, log: 1, sqrt: 1, abs: 1, sin: 1, cos: 1, tanh: 1, clip: 3, floor: 1, ceil: 1, sign: 1,
  exprel: 1,
};

/**
 * Brian2's `exprel(x)` = (eˣ − 1)/x (1 at x = 0) in float64, as Brian2 computes it (scipy's
 * rule: 1 for |x| < 1e-16, else expm1(x)/x, which stays accurate near 0).
 */
export function exprel(x: number): number {
  return Math.abs(x) < 1e-16 ? 1 : Math.expm1(x) / x;
}

/**
 * Evaluate an expression in float64 (host-side derived constants, e.g. the coefficients of a
 * linear system). Booleans are 1/0.
 */
export function evaluate(e: Expr, env: { state: (name: string) => number; param: (name: string) => number; dt: number; rng?: (dist: 'uniform' | 'normal', index: number) => number }): number {
  const ev = (x: Expr): number => evaluate(x, env);
  switch (e.k) {
    case 'num':
      return e.v;
    case 'state':
      return env.state(e.name);
    case 'param':
      return env.param(e.name);
    case 'dt':
      return env.dt;
    case 'bin': {
      const a = ev(e.a);
      const b = ev(e.b);
      return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : a / b;
    }
    case 'neg':
      return -ev(e.a);
    case 'pow':
      return Math.pow(ev(e.a), ev(e.b));
    case 'call': {
      const a = e.args.map(ev);
      switch (e.fn) {
        case 'clip':
          return Math.min(Math.max(a[0]!, a[1]!), a[2]!);
        case 'exp': return Math.exp(a[0]!);
        case 'log': return Math.log(a[0]!);
        case 'sqrt': return Math.sqrt(a[0]!);
        case 'abs': return Math.abs(a[0]!);
        case 'sin': return Math.sin(a[0]!);
        case 'cos': return Math.cos(a[0]!);
        case 'tanh': return Math.tanh(a[0]!);
        case 'floor': return Math.floor(a[0]!);
        case 'ceil': return Math.ceil(a[0]!);
        case 'sign': return Math.sign(a[0]!);
        case 'trunc': return Math.trunc(a[0]!);
        case 'exprel': return exprel(a[0]!);
        default: throw new Error(`unknown function ${e.fn}`);
      }
    }
    case 'cmp': {
      const a = ev(e.a);
      const b = ev(e.b);
      const r = e.op === '<' ? a < b : e.op === '>' ? a > b : e.op === '<=' ? a <= b : e.op === '>=' ? a >= b : e.op === '==' ? a === b : a !== b;
      return r ? 1 : 0;
    }
    case 'logic':
      return e.op === 'and' ? (ev(e.a) !== 0 && ev(e.b) !== 0 ? 1 : 0) : ev(e.a) !== 0 || ev(e.b) !== 0 ? 1 : 0;
    case 'not':
      return ev(e.a) !== 0 ? 0 : 1;
    case 'b2n':
      return ev(e.a) !== 0 ? 1 : 0;
    case 'rng':
      return env.rng ? env.rng(e.dist, e.index) : 0;
    case 'xi':
      return 0;
  }
}

const isNum = (e: Expr, v?: number): e is { readonly k: 'num'; readonly v: number } => e.k === 'num' && (v === undefined || e.v === v);

/** Whether an expression is the literal 0. */
export const isZero = (e: Expr): boolean => isNum(e, 0);

/**
 * Fold constants and drop additions of zero and multiplications by zero (the leftovers of
 * substituting 0 for state variables), bottom-up.
 */
export function simplify(e: Expr): Expr {
  switch (e.k) {
    case 'bin': {
      const a = simplify(e.a);
      const b = simplify(e.b);
      if (isNum(a) && isNum(b)) return { k: 'num', v: evaluate({ ...e, a, b }, { state: () => 0, param: () => 0, dt: 0 }) };
      if (e.op === '+') {
        if (isNum(a, 0)) return b;
        if (isNum(b, 0)) return a;
      } else if (e.op === '-') {
        if (isNum(b, 0)) return a;
        if (isNum(a, 0)) return simplify({ k: 'neg', a: b });
      } else if (e.op === '*') {
        if (isNum(a, 0) || isNum(b, 0)) return { k: 'num', v: 0 };
        if (isNum(a, 1)) return b;
        if (isNum(b, 1)) return a;
      } else if (isNum(a, 0)) {
        return { k: 'num', v: 0 };
      } else if (isNum(b, 1)) {
        return a;
      }
      return { ...e, a, b };
    }
    case 'neg': {
      const a = simplify(e.a);
      if (isNum(a)) return { k: 'num', v: a.v === 0 ? 0 : -a.v };
      if (a.k === 'neg') return a.a;
      return { k: 'neg', a };
    }
    case 'pow':
    case 'cmp':
    case 'logic':
      return { ...e, a: simplify(e.a), b: simplify(e.b) };
    case 'not':
    case 'b2n':
      return { ...e, a: simplify(e.a) };
    case 'call':
      return { ...e, args: e.args.map(simplify) };
    default:
      return e;
  }
}
