/**
 * From a Brian2-style model description to the checked intermediate form: lines are split into
 * differential equations, subexpressions and parameters; every expression is parsed with mathjs
 * (`math.parse`, Python's `**` mapped to `^`), its names are resolved (state variables,
 * subexpressions, parameters, namespace constants, `dt`, unit names) and its physical dimension
 * is checked; subexpressions are inlined; the integration method is chosen from the structure
 * of the system (symbolic derivatives from mathjs).
 */
import { derivative, parse, type MathNode } from 'mathjs/number';
import { EquationError } from './errors.js';
import { FUNCTIONS, isZero, references, simplify, substituteState, substituteXi, type Expr } from './ir.js';
import {
  DIMENSIONLESS, DIMENSION_NAMES, UNITS, dimsDiv, dimsEqual, dimsMul, dimsPow, isDimensionless, siDimensionName, toInternal, type Dims,
} from './units.js';

/** Step orders of equation models (see {@link EquationModelDescription.schedule}). */
export type StepSchedule = 'brian2' | 'nest';

/** The step orders, default first. */
export const STEP_SCHEDULES: readonly StepSchedule[] = ['brian2', 'nest'];

/** Integration methods of equation models. */
export type IntegrationMethod = 'exact' | 'exponential_euler' | 'euler' | 'rk2' | 'rk4';
/** The methods, in the order the automatic choice tries them (exact, exponential Euler, RK4). */
export const INTEGRATION_METHODS: readonly IntegrationMethod[] = ['exact', 'exponential_euler', 'euler', 'rk2', 'rk4'];

/**
 * A neuron model written as equations, in Brian2's syntax (the strings a Brian2 user passes to
 * `NeuronGroup`). JSON specs give the same object under `models.NAME`.
 */
export interface EquationModelDescription {
  /** Model name (JSON specs: the key under `models`). `[A-Za-z][A-Za-z0-9_]*`. */
  readonly name?: string;
  /**
   * One item per line: `dx/dt = expr : unit (flags)`, subexpressions `x = expr : unit`,
   * parameters `p : unit` (`(shared)`: one value per population; otherwise one per neuron).
   * Flags: `(unless refractory)` on differential equations. `#` starts a comment.
   */
  readonly equations: string;
  /** Spike condition, e.g. `v > Vt`. Without it the model never spikes. */
  readonly threshold?: string;
  /** Statements run after a spike (`;` or newlines between them), e.g. `v = Vr; w += b`. */
  readonly reset?: string;
  /** Refractory period: a duration expression such as `5*ms` or `tref`. Default: none. */
  readonly refractory?: string;
  /** Integration method; default: automatic (exact → exponential_euler → rk4). */
  readonly method?: IntegrationMethod;
  /**
   * Order of one step and meaning of `refractory`. `brian2` (default): this step's arrivals act
   * first, then the previous spike's reset, integration and threshold; refractory for
   * ⌊refractory/dt⌋ steps counting the spike step (as Brian2). `nest`: integration first, then
   * this step's arrivals, then threshold with an immediate reset; the state is held for
   * round(refractory/dt) whole steps after the spike step (as NEST's iaf_* models).
   */
  readonly schedule?: StepSchedule;
  /** Named constants with units: `{"taum": "20*ms", "Vt": "-50*mV"}` (numbers are dimensionless). */
  readonly namespace?: Readonly<Record<string, string | number>>;
  /**
   * Variables that projections may target with `on_pre` (≤ 4, one input channel each).
   * Default: the first four differential-equation variables in order of declaration.
   */
  readonly on_pre_targets?: readonly string[];
  /**
   * A parameter that DC, stimulus and trial-current inputs add to (in that parameter's unit),
   * e.g. `I`. Without it such inputs onto the model are refused.
   */
  readonly current?: string;
  /** One line: what the model is (for `cortexgpu models`). */
  readonly summary?: string;
  /** The full description for the catalogue (equations in words, references). */
  readonly doc?: string;
  /**
   * `spiking` (default with a threshold and input targets), `rate` (continuous output read by
   * rate projections; needs `output`) or `source` (spikes only, no synaptic input).
   */
  readonly kind?: 'spiking' | 'rate' | 'source';
  /**
   * Rate models: the variable (state variable or subexpression) whose value rate projections
   * carry to other populations, e.g. `r`.
   */
  readonly output?: string;
  /**
   * What a projection's receptor does when it gives no `on_pre` (today's receptor-based specs):
   * `{"excitatory": "ge += w", "inhibitory": "gi += w", "apical": "I_a += w"}`. Rate models
   * name summed input parameters (`"I += w"`): each step they hold the summed weighted rates.
   * An inhibitory projection onto the apical compartment flips the apical statement's sign.
   */
  readonly receptors?: Readonly<Partial<Record<'excitatory' | 'inhibitory' | 'apical', string>>>;
  /**
   * A parameter that apical DC and stimulus inputs add to (models with an apical compartment).
   */
  readonly apical_current?: string;
  /**
   * Condition on shared parameters under which a population emits spikes (e.g.
   * `spike_rate_hz > 0*Hz`); default: the model has a threshold. Populations that emit no
   * spikes get no spike buffers.
   */
  readonly spikes_if?: string;
  /**
   * Conditions on shared parameters that every population must satisfy, each with what to do
   * when it does not: `[{"condition": "v_reset < v_th", "message": "a neuron reset at or above threshold fires on every step"}]`.
   */
  readonly constraints?: readonly { readonly condition: string; readonly message: string }[];
  /**
   * Parameters that take one of a few names, e.g. `{"transfer": ["linear", "threshold_linear"]}`:
   * in the equations the name is its index (0, 1, …); its default is the namespace value's name
   * or the first name.
   */
  readonly choices?: Readonly<Record<string, readonly string[]>>;
  /** Defaults of choice parameters, by name (`{"transfer": "linear"}`); default the first. */
  readonly choice_defaults?: Readonly<Record<string, string>>;
  /**
   * Documentation and checks of parameters, state variables and subexpressions: a one-line
   * `doc`, a `unit` in which plain numbers for this parameter are read (a unit expression such
   * as `Hz` or `mV`; default the internal unit of its dimension), and a valid range.
   */
  readonly parameters?: Readonly<Record<string, VariableMeta>>;
  /**
   * Other names accepted for parameters in a population's `params` (e.g. NEST's `tau_m` for
   * `tau_m_ms`), alias → parameter.
   */
  readonly aliases?: Readonly<Record<string, string>>;
  /**
   * Default initial values of differential-equation variables: expressions of constants and
   * shared parameters (`{"v": "El"}`); default 0. Populations override them with `initial`.
   */
  readonly initial?: Readonly<Record<string, string>>;
}

/** Documentation and range of one variable of a model description. */
export interface VariableMeta {
  /** One line: what it is. */
  readonly doc?: string;
  /** Unit in which plain numbers for it are read and shown (`Hz`, `mV`); default the internal unit. */
  readonly unit?: string;
  /** Inclusive lower bound (in `unit`), unless `min_exclusive`. */
  readonly min?: number;
  readonly min_exclusive?: boolean;
  /** Inclusive upper bound (in `unit`). */
  readonly max?: number;
}

/** An additive white-noise term `coefficient·xi` of a differential equation. */
export interface NoiseTerm {
  /** The noise's name (`xi`, `xi_e`): the same name in two equations is the same noise. */
  readonly xi: string;
  /** Its coefficient (free of state variables: additive noise). */
  readonly coefficient: Expr;
}

/** A differential-equation variable. */
export interface StateVariable {
  readonly name: string;
  readonly dims: Dims;
  readonly unlessRefractory: boolean;
  /** Deterministic part of dx/dt, subexpressions inlined. */
  readonly rhs: Expr;
  /** White-noise terms of dx/dt. */
  readonly noise: readonly NoiseTerm[];
  readonly line: number;
}

/** A subexpression, stored after every step so that recorders and the UI can read it. */
export interface StoredSubexpression {
  readonly name: string;
  readonly dims: Dims;
  /** Its value, subexpressions inlined. */
  readonly expr: Expr;
  readonly line: number;
}

/** Where a receptor's input goes: the variable, and the sign of `w`. */
export interface ReceptorRoute {
  readonly target: string;
  readonly sign: 1 | -1;
}

/** A parameter: declared in the equations (per neuron or shared) or a namespace constant. */
export interface ModelParameter {
  readonly name: string;
  readonly dims: Dims;
  /** Default value in internal units (namespace value, or 0). */
  readonly default: number;
  /** `neuron`: one value per neuron (stored like a state variable); `shared`: one per population. */
  readonly scope: 'neuron' | 'shared';
  /** Where it comes from, for documentation. */
  readonly origin: 'equations' | 'namespace';
}

/** One reset statement. */
export interface ResetStatement {
  readonly target: string;
  readonly op: '=' | '+=' | '-=' | '*=' | '/=';
  readonly value: Expr;
}

/** Coefficients of the linear structure the method needs. */
export interface LinearForm {
  /** exact: ∂f_i/∂x_j (free of state variables and per-neuron parameters). */
  readonly jacobian?: readonly (readonly Expr[])[];
  /** exact: f_i at x = 0 (may read per-neuron parameters and the input current). */
  readonly constant?: readonly Expr[];
  /** exponential_euler: A_i = ∂f_i/∂x_i (free of x_i), or null where it is zero. */
  readonly a?: readonly (Expr | null)[];
  /** exponential_euler: B_i = f_i at x_i = 0. */
  readonly b?: readonly Expr[];
}

/** A checked model: the intermediate form both code generators read. */
export interface CompiledEquationModel {
  readonly name: string;
  readonly description: EquationModelDescription;
  readonly states: readonly StateVariable[];
  readonly params: readonly ModelParameter[];
  readonly threshold: Expr | null;
  readonly reset: readonly ResetStatement[];
  /** Refractory period in ms as an expression of shared parameters, or null. */
  readonly refractory: Expr | null;
  readonly method: IntegrationMethod;
  /** Why this method (automatic choice) or `forced`. */
  readonly methodReason: string;
  /** Step order and refractoriness convention. */
  readonly schedule: StepSchedule;
  readonly linear: LinearForm;
  readonly onPreTargets: readonly string[];
  readonly currentParam: string | null;
  /** Parameter that apical DC and stimulus inputs add to, or null. */
  readonly apicalCurrentParam: string | null;
  /** Subexpressions (numbers, not conditions), stored after each step, in dependency order. */
  readonly subexpressions: readonly StoredSubexpression[];
  /** Names of the white noises, in order of first appearance. */
  readonly xiNames: readonly string[];
  /** Random-number call sites: `rand()` (uniform) and `randn()` (normal). */
  readonly rngSites: { readonly uniform: number; readonly normal: number };
  readonly kind: 'spiking' | 'rate' | 'source';
  /** Rate models: the variable rate projections carry. */
  readonly output: string | null;
  /** Receptor → variable and sign (`receptors` of the description). */
  readonly receptors: Readonly<Partial<Record<'excitatory' | 'inhibitory' | 'apical', ReceptorRoute>>>;
  /** When a population emits spikes (shared parameters only), or null: whenever there is a threshold. */
  readonly spikesIf: Expr | null;
  /** Conditions on shared parameters, with their text and what to do. */
  readonly constraints: readonly { readonly expr: Expr; readonly condition: string; readonly message: string; readonly params: readonly string[] }[];
  /** Choice parameters: name → the names its index stands for. */
  readonly choices: Readonly<Record<string, readonly string[]>>;
}

// ---------------------------------------------------------------------------------------------

interface Scope {
  readonly model: string;
  readonly field: string;
  readonly line: number;
  /** 1-based column of the expression's first character within its line. */
  readonly column: number;
  /** The expression text as written (for locating terms). */
  readonly text: string;
  readonly resolve: (name: string) => Symbolic | undefined;
  /** Names that exist but may not be used here, with the reason. */
  readonly forbidden?: (name: string) => string | undefined;
  /** Whether white noise `xi` may appear (differential equations only). */
  readonly noise?: boolean;
}

type Symbolic =
  | { readonly kind: 'state'; readonly dims: Dims }
  | { readonly kind: 'param'; readonly dims: Dims }
  | { readonly kind: 'sub'; readonly dims: Dims; readonly expr: Expr; readonly node: MathNode; readonly bool: boolean }
  | { readonly kind: 'const'; readonly dims: Dims; readonly value: number }
  | { readonly kind: 'dt' };

interface Checked {
  readonly expr: Expr;
  readonly dims: Dims;
  readonly bool: boolean;
  /** Internal value when the expression is a host constant (numbers and units only). */
  readonly value?: number;
}

const MATHJS_OPS: Readonly<Record<string, string>> = {
  add: '+', subtract: '-', multiply: '*', divide: '/', pow: '**', unaryMinus: '-', unaryPlus: '+',
  larger: '>', smaller: '<', largerEq: '>=', smallerEq: '<=', equal: '==', unequal: '!=', and: 'and', or: 'or', not: 'not',
};

function fail(scope: Scope, offset: number, detail: string): never {
  throw new EquationError(scope.model, scope.field, scope.line, offset < 0 ? scope.column : scope.column + offset, detail);
}

/** Offset (0-based, within the expression) of a node's first name or number, or −1. */
function locate(scope: Scope, node: MathNode): number {
  let token: string | undefined;
  node.traverse((n) => {
    if (token !== undefined) return;
    if (n.type === 'SymbolNode') token = (n as unknown as { name: string }).name;
    else if (n.type === 'ConstantNode') token = String((n as unknown as { value: unknown }).value);
  });
  if (token === undefined) return -1;
  const re = new RegExp(`(^|[^A-Za-z0-9_.])${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`);
  const m = re.exec(scope.text);
  return m ? m.index + m[1]!.length : -1;
}

function describeTerm(node: MathNode): string {
  return `'${node.toString().replace(/\^/g, '**')}'`;
}

const num = (v: number): Expr => ({ k: 'num', v });

/** Dimension of white noise ξ: 1/√second. */
const XI_DIMS: Dims = [0, 0, -0.5, 0, 0, 0, 0];

/** A value that fits any unit: 0 and ±inf (as Brian2 allows `clip(v, 0, inf)`). */
const unitFree = (c: { value?: number }): boolean => c.value === 0 || c.value === Infinity || c.value === -Infinity;

/**
 * Random-number call sites of the model being compiled: `rand()` and `randn()` are replaced by
 * the symbols `_rand_K`/`_randn_K` when parsed, so each call site keeps one index through
 * inlining and differentiation.
 */
let rngSites = { uniform: 0, normal: 0 };

/** Parse an expression with mathjs (Python operators mapped), reporting syntax errors with a column. */
function parseExpression(scope: Scope): MathNode {
  const text = scope.text;
  if (text.trim() === '') fail(scope, -1, 'expression expected (got nothing); write an expression such as v > Vt');
  const caret = text.indexOf('^');
  if (caret >= 0) fail(scope, caret, "'^' is not a power in Python syntax; write x**2 for powers");
  // Python's `1./tau` and `10.*nS`: mathjs would read `./` and `.*` as element-wise operators, so
  // drop the trailing point of such a number (same length: columns stay right).
  const mathText = text.replace(/\*\*/g, '^ ').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/(\d)\.(?=\s*[*/^])/g, '$1 ');
  let node: MathNode;
  try {
    node = parse(mathText);
  } catch (error) {
    const char = (error as { char?: number }).char;
    const message = (error as Error).message.replace(/\s*\(char \d+\)/, '');
    fail(scope, typeof char === 'number' ? Math.max(0, Math.min(char - 1, text.length)) : -1, `syntax error: ${message}; check the parentheses and operators`);
  }
  return node.transform((n) => {
    if (n.type !== 'FunctionNode') return n;
    const f = n as unknown as { fn: { name?: string }; args: MathNode[] };
    if (f.fn.name !== 'rand' && f.fn.name !== 'randn') return n;
    if (f.args.length !== 0) fail(scope, locate(scope, n), `${f.fn.name}() takes no arguments (got ${f.args.length})`);
    const index = f.fn.name === 'rand' ? rngSites.uniform++ : rngSites.normal++;
    return parse(`_${f.fn.name}_${index}`);
  });
}

/** Check a mathjs tree: names, dimensions, booleans; returns the IR. */
function check(scope: Scope, node: MathNode): Checked {
  switch (node.type) {
    case 'ParenthesisNode':
      return check(scope, (node as unknown as { content: MathNode }).content);
    case 'ConstantNode': {
      const value = (node as unknown as { value: unknown }).value;
      if (typeof value === 'number') return { expr: num(value), dims: DIMENSIONLESS, bool: false, value };
      if (typeof value === 'boolean') return { expr: num(value ? 1 : 0), dims: DIMENSIONLESS, bool: true, value: value ? 1 : 0 };
      return fail(scope, locate(scope, node), `unsupported constant ${describeTerm(node)}; only numbers and names are allowed`);
    }
    case 'SymbolNode': {
      const name = (node as unknown as { name: string }).name;
      const reason = scope.forbidden?.(name);
      if (reason !== undefined) fail(scope, locate(scope, node), reason);
      const rng = /^_(rand|randn)_(\d+)$/.exec(name);
      if (rng) return { expr: { k: 'rng', dist: rng[1] === 'rand' ? 'uniform' : 'normal', index: Number(rng[2]) }, dims: DIMENSIONLESS, bool: false };
      if (name === 'inf') return { expr: num(Infinity), dims: DIMENSIONLESS, bool: false, value: Infinity };
      const sym = scope.resolve(name);
      if (sym === undefined) {
        if (name === 't') fail(scope, locate(scope, node), "the time 't' is not yet supported in equation models; use a state variable or an input instead");
        if (/^xi(_\w+)?$/.test(name)) {
          if (scope.noise) return { expr: { k: 'xi', name }, dims: XI_DIMS, bool: false };
          fail(scope, locate(scope, node), `white noise '${name}' may appear only in differential equations (dx/dt = … + sigma*${name} : unit); use randn() for a random number here`);
        }
        fail(scope, locate(scope, node), `unknown identifier '${name}'; declare it as a parameter ('${name} : unit' on its own line), add it to namespace (e.g. "${name}": "10*ms"), or use a known unit (mV, ms, nS, pA, pF, Hz, …)`);
      }
      switch (sym.kind) {
        case 'state':
          return { expr: { k: 'state', name }, dims: sym.dims, bool: false };
        case 'param':
          return { expr: { k: 'param', name }, dims: sym.dims, bool: false };
        case 'sub':
          return { expr: sym.expr, dims: sym.dims, bool: sym.bool };
        case 'const':
          return { expr: num(sym.value), dims: sym.dims, bool: false, value: sym.value };
        case 'dt':
          return { expr: { k: 'dt' }, dims: [0, 0, 1, 0, 0, 0, 0], bool: false };
      }
    }
    // falls through (unreachable)
    case 'FunctionNode': {
      const fnNode = node as unknown as { fn: { name?: string }; args: MathNode[] };
      const name = fnNode.fn.name ?? '?';
      if (name === 'int') {
        if (fnNode.args.length !== 1) fail(scope, locate(scope, node), `int() takes 1 argument (got ${fnNode.args.length})`);
        const a = check(scope, fnNode.args[0]!);
        if (a.bool) return { expr: { k: 'b2n', a: a.expr }, dims: DIMENSIONLESS, bool: false };
        if (!isDimensionless(a.dims)) fail(scope, locate(scope, fnNode.args[0]!), `int() needs a dimensionless number or a condition (got ${describeTerm(fnNode.args[0]!)} in ${siDimensionName(a.dims)})`);
        return { expr: { k: 'call', fn: 'trunc', args: [a.expr] }, dims: DIMENSIONLESS, bool: false };
      }
      const arity = FUNCTIONS[name];
      if (arity === undefined) fail(scope, locate(scope, node), `unknown function '${name}'; available: ${Object.keys(FUNCTIONS).join(', ')}`);
      if (fnNode.args.length !== arity) fail(scope, locate(scope, node), `${name}() takes ${arity} argument${arity === 1 ? '' : 's'} (got ${fnNode.args.length})`);
      const args = fnNode.args.map((a) => check(scope, a));
      args.forEach((a, i) => {
        if (a.bool) fail(scope, locate(scope, fnNode.args[i]!), `${name}() needs a number, not a condition (got ${describeTerm(fnNode.args[i]!)})`);
      });
      let dims: Dims = DIMENSIONLESS;
      if (['exp', 'log', 'sin', 'cos', 'tanh', 'exprel'].includes(name)) {
        if (!isDimensionless(args[0]!.dims)) fail(scope, locate(scope, fnNode.args[0]!), `${name}() needs a dimensionless argument (got ${describeTerm(fnNode.args[0]!)} in ${siDimensionName(args[0]!.dims)}); divide by a quantity of the same unit`);
      } else if (name === 'sqrt') {
        dims = dimsPow(args[0]!.dims, 0.5);
      } else if (name === 'sign') {
        dims = DIMENSIONLESS;
      } else if (name === 'clip') {
        dims = args[0]!.dims;
        for (const i of [1, 2]) {
          if (!dimsEqual(args[i]!.dims, dims) && !unitFree(args[i]!)) {
            fail(scope, locate(scope, fnNode.args[i]!), `unit mismatch in clip(): ${describeTerm(fnNode.args[i]!)} is ${siDimensionName(args[i]!.dims)} but ${describeTerm(fnNode.args[0]!)} is ${siDimensionName(dims)}; the bounds need the unit of the value`);
          }
        }
      } else {
        dims = args[0]!.dims;
      }
      const expr: Expr = { k: 'call', fn: name, args: args.map((a) => a.expr) };
      return { expr, dims, bool: false };
    }
    case 'OperatorNode': {
      const op = node as unknown as { fn: string; op: string; args: MathNode[]; implicit?: boolean };
      if (op.implicit) fail(scope, locate(scope, op.args[1]!), `missing operator before ${describeTerm(op.args[1]!)}; write the multiplication explicitly, e.g. 5*ms`);
      const symbol = MATHJS_OPS[op.fn];
      if (symbol === undefined) fail(scope, locate(scope, node), `operator '${op.op}' is not supported; use + - * / **, comparisons, and, or, not`);
      if (op.args.length === 1) {
        const a = check(scope, op.args[0]!);
        if (op.fn === 'not') {
          if (!a.bool) fail(scope, locate(scope, op.args[0]!), `'not' needs a condition (got ${describeTerm(op.args[0]!)})`);
          return { expr: { k: 'not', a: a.expr }, dims: DIMENSIONLESS, bool: true };
        }
        if (a.bool) fail(scope, locate(scope, op.args[0]!), `a condition cannot be negated with '${symbol}'; use 'not'`);
        if (op.fn === 'unaryPlus') return a;
        return a.value !== undefined ? { ...a, expr: num(-a.value), value: -a.value } : { expr: { k: 'neg', a: a.expr }, dims: a.dims, bool: false };
      }
      const a = check(scope, op.args[0]!);
      const b = check(scope, op.args[1]!);
      const [an, bn] = [op.args[0]!, op.args[1]!];
      if (op.fn === 'and' || op.fn === 'or') {
        if (!a.bool) fail(scope, locate(scope, an), `'${op.fn}' needs conditions on both sides (got ${describeTerm(an)}); compare it, e.g. v > Vt`);
        if (!b.bool) fail(scope, locate(scope, bn), `'${op.fn}' needs conditions on both sides (got ${describeTerm(bn)}); compare it, e.g. v > Vt`);
        return { expr: { k: 'logic', op: op.fn, a: a.expr, b: b.expr }, dims: DIMENSIONLESS, bool: true };
      }
      if (a.bool || b.bool) {
        const bad = a.bool ? an : bn;
        fail(scope, locate(scope, bad), `a condition (${describeTerm(bad)}) cannot be used in arithmetic with '${symbol}'; combine conditions with and/or`);
      }
      const sameDims = (what: string): void => {
        if (dimsEqual(a.dims, b.dims) || unitFree(a) || unitFree(b)) return;
        fail(scope, locate(scope, bn), `unit mismatch in ${what} ${describeTerm(node)}: ${describeTerm(an)} is ${siDimensionName(a.dims)} but ${describeTerm(bn)} is ${siDimensionName(b.dims)}; both sides need the same unit`);
      };
      const both = a.value !== undefined && b.value !== undefined;
      switch (op.fn) {
        case 'add':
        case 'subtract': {
          sameDims(op.fn === 'add' ? 'the sum' : 'the difference');
          const dims = unitFree(a) ? b.dims : a.dims;
          if (both) {
            const v = op.fn === 'add' ? a.value! + b.value! : a.value! - b.value!;
            return { expr: num(v), dims, bool: false, value: v };
          }
          return { expr: { k: 'bin', op: op.fn === 'add' ? '+' : '-', a: a.expr, b: b.expr }, dims, bool: false };
        }
        case 'multiply':
        case 'divide': {
          const dims = op.fn === 'multiply' ? dimsMul(a.dims, b.dims) : dimsDiv(a.dims, b.dims);
          if (both) {
            const v = op.fn === 'multiply' ? a.value! * b.value! : a.value! / b.value!;
            return { expr: num(v), dims, bool: false, value: v };
          }
          return { expr: { k: 'bin', op: op.fn === 'multiply' ? '*' : '/', a: a.expr, b: b.expr }, dims, bool: false };
        }
        case 'pow': {
          if (!isDimensionless(b.dims)) fail(scope, locate(scope, bn), `the exponent ${describeTerm(bn)} must be dimensionless (got ${siDimensionName(b.dims)})`);
          if (!isDimensionless(a.dims) && b.value === undefined) fail(scope, locate(scope, bn), `the exponent of a quantity with a unit must be a constant number (got ${describeTerm(bn)})`);
          const dims = b.value !== undefined ? dimsPow(a.dims, b.value) : DIMENSIONLESS;
          if (both) {
            const v = Math.pow(a.value!, b.value!);
            return { expr: num(v), dims, bool: false, value: v };
          }
          return { expr: { k: 'pow', a: a.expr, b: b.expr }, dims, bool: false };
        }
        default: {
          sameDims('the comparison');
          const cmp = symbol as '<' | '>' | '<=' | '>=' | '==' | '!=';
          return { expr: { k: 'cmp', op: cmp, a: a.expr, b: b.expr }, dims: DIMENSIONLESS, bool: true };
        }
      }
    }
    default:
      return fail(scope, locate(scope, node), `unsupported syntax ${describeTerm(node)} (${node.type}); equations use numbers, names, + - * / **, comparisons, and/or/not and function calls`);
  }
}

/** Dimension of a unit specification after `:` (`volt`, `volt/second`, `1`, `siemens*metre**-2`). */
function checkUnitSpec(scope: Scope): Dims {
  const text = scope.text.trim();
  if (text === '1') return DIMENSIONLESS;
  if (text === 'boolean' || text === 'integer') fail(scope, 0, `'${text}' variables are not yet supported; use a dimensionless variable ': 1'`);
  const node = parseExpression(scope);
  const inner: Scope = {
    ...scope,
    resolve: (name) => {
      const dims = DIMENSION_NAMES.get(name);
      if (dims !== undefined) return { kind: 'const', dims, value: 1 };
      if (UNITS.has(name)) fail(scope, locate(scope, { type: 'SymbolNode', name, traverse: (cb: (n: unknown) => void) => cb({ type: 'SymbolNode', name }) } as unknown as MathNode), `write the unit as a base unit after ':' (got '${name}'); use ${siDimensionName(UNITS.get(name)!.dims)} — values are still given in any unit`);
      return undefined;
    },
  };
  try {
    const c = check(inner, node);
    if (c.bool) fail(scope, 0, `expected a unit after ':' (got a condition)`);
    return c.dims;
  } catch (error) {
    if (error instanceof EquationError && error.detail.startsWith('unknown identifier')) {
      fail(scope, error.column - scope.column, `unknown unit '${/'([^']+)'/.exec(error.detail)?.[1] ?? text}' after ':'; use volt, amp, siemens, farad, second, hertz, ohm or 1 (and products/quotients of them)`);
    }
    throw error;
  }
}

interface Line {
  readonly number: number;
  readonly text: string;
}

function splitLines(text: string, statements: boolean): Line[] {
  const out: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const body = hash >= 0 ? raw.slice(0, hash) : raw;
    if (!statements) {
      out.push({ number: i + 1, text: body });
      return;
    }
    let start = 0;
    for (const part of body.split(';')) {
      out.push({ number: i + 1, text: ' '.repeat(start) + part });
      start += part.length + 1;
    }
  });
  return out.filter((l) => l.text.trim() !== '');
}

/**
 * Brian2 lets an equation's expression run over several lines (COBAHH: `dv/dt = (gl*(El-v)+…-`
 * then `g_kd*…)/Cm : volt`). A line without ':' whose parentheses are still open or that ends
 * with an operator continues on the next line; the joined item keeps the first line's number.
 */
function joinContinuationLines(lines: Line[]): Line[] {
  const out: Line[] = [];
  let open: Line | null = null;
  for (const l of lines) {
    const current: Line = open ? { number: open.number, text: `${open.text} ${l.text.trim()}` } : l;
    const depth = [...current.text].reduce((d, ch) => d + (ch === '(' ? 1 : ch === ')' ? -1 : 0), 0);
    if (!current.text.includes(':') && (depth > 0 || /[-+*/(,=]\s*$/.test(current.text))) {
      open = current;
      continue;
    }
    open = null;
    out.push(current);
  }
  if (open) out.push(open);
  return out;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['dt', 't', 'xi', 'i', 'N', 'lastspike', 'not_refractory', 'and', 'or', 'not', 'True', 'False', 'true', 'false', ...Object.keys(FUNCTIONS), 'rand', 'randn', 'int']);

interface RawDecl {
  readonly kind: 'diff' | 'sub' | 'param';
  readonly name: string;
  readonly line: number;
  readonly nameColumn: number;
  readonly exprText: string;
  readonly exprColumn: number;
  readonly unitText: string;
  readonly unitColumn: number;
  readonly flags: readonly string[];
  readonly flagsColumn: number;
}

function parseDeclaration(model: string, line: Line): RawDecl {
  const text = line.text;
  const err = (col: number, detail: string): never => {
    throw new EquationError(model, 'equations', line.number, col, detail);
  };
  const colon = text.indexOf(':');
  if (colon < 0) {
    err(text.trimEnd().length + 1, `missing ': unit' at the end of '${text.trim()}'; every line needs its unit, e.g. ': volt' (or ': 1' for dimensionless)`);
  }
  const left = text.slice(0, colon);
  let right = text.slice(colon + 1);
  let flags: string[] = [];
  let flagsColumn = 0;
  const flagMatch = /\(([^()]*)\)\s*$/.exec(right);
  if (flagMatch && /^[\s\w,]*[A-Za-z][\s\w,]*$/.test(flagMatch[1]!) && right.slice(0, flagMatch.index).trim() !== '') {
    flags = flagMatch[1]!.split(',').map((f) => f.trim().replace(/\s+/g, ' ')).filter(Boolean);
    flagsColumn = colon + 1 + flagMatch.index + 2;
    right = right.slice(0, flagMatch.index);
  }
  const unitColumn = colon + 2 + (right.length - right.trimStart().length);
  const unitText = right.trim();
  if (unitText === '') err(colon + 2, `missing unit after ':'; write e.g. ': volt' or ': 1'`);
  const diff = /^(\s*)d([A-Za-z_][A-Za-z0-9_]*)\s*\/\s*dt\s*=(.*)$/.exec(left);
  if (diff) {
    return { kind: 'diff', name: diff[2]!, line: line.number, nameColumn: diff[1]!.length + 2, exprText: diff[3]!, exprColumn: left.length - diff[3]!.length + 1, unitText, unitColumn, flags, flagsColumn };
  }
  const sub = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(left);
  if (sub) {
    return { kind: 'sub', name: sub[2]!, line: line.number, nameColumn: sub[1]!.length + 1, exprText: sub[3]!, exprColumn: left.length - sub[3]!.length + 1, unitText, unitColumn, flags, flagsColumn };
  }
  const param = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(left);
  if (param) {
    return { kind: 'param', name: param[2]!, line: line.number, nameColumn: param[1]!.length + 1, exprText: '', exprColumn: 0, unitText, unitColumn, flags, flagsColumn };
  }
  const start = left.search(/\S/);
  return err(start + 1, `cannot read '${left.trim()}'; a line is 'dx/dt = expression : unit', 'x = expression : unit' or 'p : unit'`);
}

/**
 * Parse, check and analyse a model description.
 * @throws EquationError naming the model, field, line and column
 */
export function compileEquationModel(name: string, description: EquationModelDescription): CompiledEquationModel {
  const model = name;
  if (typeof description !== 'object' || description === null) throw new EquationError(model, 'equations', 0, 0, 'a model description is an object with at least "equations"');
  if (typeof description.equations !== 'string') throw new EquationError(model, 'equations', 0, 0, `"equations" must be a string of lines 'dx/dt = expr : unit' (got ${typeof description.equations})`);

  rngSites = { uniform: 0, normal: 0 };
  // Namespace constants; choice parameters are dimensionless constants holding their index.
  const constants = new Map<string, { dims: Dims; value: number }>();
  const choices: Record<string, readonly string[]> = {};
  for (const [key, names] of Object.entries(description.choices ?? {})) {
    const field = `choices.${key}`;
    if (!IDENT.test(key)) throw new EquationError(model, field, 0, 0, `'${key}' is not a valid name; use letters, digits and _`);
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) throw new EquationError(model, field, 0, 0, 'must list the names the parameter may take, e.g. ["linear", "threshold_linear"]');
    if (description.namespace && Object.hasOwn(description.namespace, key)) throw new EquationError(model, field, 0, 0, `'${key}' is both a choice and a namespace constant; give its default in choice_defaults instead`);
    const wanted = description.choice_defaults?.[key] ?? names[0]!;
    const index = names.indexOf(wanted);
    if (index < 0) throw new EquationError(model, `choice_defaults.${key}`, 0, 0, `'${wanted}' is not one of ${names.join(', ')}`);
    choices[key] = [...names];
    constants.set(key, { dims: DIMENSIONLESS, value: index });
  }
  for (const [key, raw] of Object.entries(description.namespace ?? {}).filter(([k]) => !Object.hasOwn(choices, k))) {
    const field = `namespace.${key}`;
    if (!IDENT.test(key)) throw new EquationError(model, field, 0, 0, `'${key}' is not a valid name; use letters, digits and _`);
    if (typeof raw === 'number') {
      if (!Number.isFinite(raw)) throw new EquationError(model, field, 0, 0, `must be finite (got ${raw})`);
      constants.set(key, { dims: DIMENSIONLESS, value: raw });
      continue;
    }
    if (typeof raw !== 'string') throw new EquationError(model, field, 0, 0, `must be a number or a quantity string such as "20*ms" (got ${typeof raw})`);
    const scope: Scope = {
      model, field, line: 1, column: 1, text: raw,
      resolve: (n) => {
        const unit = UNITS.get(n);
        if (unit) return { kind: 'const', dims: unit.dims, value: toInternal(unit) };
        const c = constants.get(n);
        return c ? { kind: 'const', ...c } : undefined;
      },
    };
    const c = check(scope, parseExpression(scope));
    if (c.value === undefined || c.bool) throw new EquationError(model, field, 1, 1, `must be a constant quantity such as "20*ms" (got "${raw}")`);
    constants.set(key, { dims: c.dims, value: c.value });
  }

  // Declarations.
  const lines = joinContinuationLines(splitLines(description.equations, false));
  if (lines.length === 0 && description.threshold === undefined) throw new EquationError(model, 'equations', 1, 1, 'no equations; write at least one line such as dv/dt = -v/tau : volt');
  const decls = lines.map((l) => parseDeclaration(model, l));
  const seen = new Map<string, RawDecl>();
  for (const d of decls) {
    const prev = seen.get(d.name);
    if (prev) throw new EquationError(model, 'equations', d.line, d.nameColumn, `'${d.name}' is already defined on line ${prev.line}; every variable is defined once, rename one of them`);
    if (RESERVED.has(d.name)) throw new EquationError(model, 'equations', d.line, d.nameColumn, `'${d.name}' is a reserved name; choose another name`);
    if (d.name.startsWith('_')) throw new EquationError(model, 'equations', d.line, d.nameColumn, `names starting with '_' are reserved; rename '${d.name}'`);
    seen.set(d.name, d);
    const allowed = d.kind === 'diff' ? ['unless refractory'] : d.kind === 'param' ? ['shared', 'constant'] : ['shared', 'constant over dt'];
    for (const f of d.flags) {
      if (!allowed.includes(f)) throw new EquationError(model, 'equations', d.line, d.flagsColumn, `unknown flag '(${f})' for ${d.kind === 'diff' ? 'a differential equation' : d.kind === 'param' ? 'a parameter' : 'a subexpression'}; allowed: ${allowed.map((a) => `(${a})`).join(', ')}`);
    }
  }
  const dimsOf = new Map<string, Dims>();
  for (const d of decls) {
    const scope: Scope = { model, field: 'equations', line: d.line, column: d.unitColumn, text: d.unitText, resolve: () => undefined };
    dimsOf.set(d.name, checkUnitSpec(scope));
  }

  const stateNames = decls.filter((d) => d.kind === 'diff').map((d) => d.name);
  if (stateNames.length === 0 && description.threshold === undefined && description.output === undefined) {
    throw new EquationError(model, 'equations', 1, 1, 'no differential equation, threshold or output; a model needs at least one line dx/dt = … : unit (or a threshold, for a spike source)');
  }
  const params: ModelParameter[] = [];
  for (const d of decls.filter((x) => x.kind === 'param')) {
    const dims = dimsOf.get(d.name)!;
    const c = constants.get(d.name);
    if (c && !dimsEqual(c.dims, dims)) throw new EquationError(model, `namespace.${d.name}`, 0, 0, `unit mismatch: parameter ${d.name} is declared in ${siDimensionName(dims)} (equations line ${d.line}) but its namespace value is ${siDimensionName(c.dims)}; give it in ${siDimensionName(dims)}`);
    params.push({ name: d.name, dims, default: c?.value ?? 0, scope: d.flags.includes('shared') ? 'shared' : 'neuron', origin: 'equations' });
  }
  for (const [key, c] of constants) {
    if (!seen.has(key)) params.push({ name: key, dims: c.dims, default: c.value, scope: 'shared', origin: 'namespace' });
    else if (seen.get(key)!.kind !== 'param') {
      const d = seen.get(key)!;
      throw new EquationError(model, 'equations', d.line, d.nameColumn, `'${key}' is a namespace constant (a parameter), so it cannot have ${d.kind === 'diff' ? 'a derivative' : 'an expression'} here; rename the variable or remove "${key}" from namespace`);
    }
  }
  const paramOf = new Map(params.map((p) => [p.name, p]));

  const currentParam = description.current ?? null;
  if (currentParam !== null) {
    const p = paramOf.get(currentParam);
    if (!p) throw new EquationError(model, 'current', 0, 0, `'${currentParam}' is not a parameter of the model; declare it (e.g. '${currentParam} : amp') or leave "current" out`);
  }

  // Subexpressions in dependency order.
  const subs = new Map(decls.filter((d) => d.kind === 'sub').map((d) => [d.name, d]));
  const nodes = new Map<string, MathNode>();
  for (const d of decls) {
    if (d.kind === 'param') continue;
    nodes.set(d.name, parseExpression({ model, field: 'equations', line: d.line, column: d.exprColumn, text: d.exprText, resolve: () => undefined }));
  }
  const symbolsOf = (node: MathNode): string[] => {
    const out: string[] = [];
    node.traverse((n) => {
      if (n.type === 'SymbolNode') out.push((n as unknown as { name: string }).name);
    });
    return out;
  };
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: string, path: string[]): void => {
    if (state.get(s) === 'done') return;
    const d = subs.get(s)!;
    if (state.get(s) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(s)), s];
      throw new EquationError(model, 'equations', d.line, d.nameColumn, `circular subexpressions: ${cycle.join(' → ')}; a subexpression cannot depend on itself, make one of them a differential equation or a parameter`);
    }
    state.set(s, 'visiting');
    for (const dep of symbolsOf(nodes.get(s)!)) if (subs.has(dep) && !paramOf.has(dep)) visit(dep, [...path, s]);
    state.set(s, 'done');
    order.push(s);
  };
  for (const s of subs.keys()) visit(s, []);

  const subInfo = new Map<string, { expr: Expr; dims: Dims; bool: boolean; node: MathNode }>();
  const subexpressions: StoredSubexpression[] = [];
  const resolveBase = (n: string): Symbolic | undefined => {
    if (stateNames.includes(n)) return { kind: 'state', dims: dimsOf.get(n)! };
    const s = subInfo.get(n);
    if (s) return { kind: 'sub', ...s };
    const p = paramOf.get(n);
    if (p) return { kind: 'param', dims: p.dims };
    if (n === 'dt') return { kind: 'dt' };
    const unit = UNITS.get(n);
    if (unit) return { kind: 'const', dims: unit.dims, value: toInternal(unit) };
    return undefined;
  };
  const inlineSubs = (node: MathNode): MathNode =>
    node.transform((n) => (n.type === 'SymbolNode' && subInfo.has((n as unknown as { name: string }).name)
      ? parse(`(${subInfo.get((n as unknown as { name: string }).name)!.node.toString()})`)
      : n));
  for (const s of order) {
    const d = subs.get(s)!;
    const scope: Scope = { model, field: 'equations', line: d.line, column: d.exprColumn, text: d.exprText, resolve: resolveBase };
    const c = check(scope, nodes.get(s)!);
    const declared = dimsOf.get(s)!;
    if (!c.bool && !dimsEqual(c.dims, declared) && c.value !== 0) {
      fail(scope, locate(scope, nodes.get(s)!), `unit mismatch: ${s} is declared in ${siDimensionName(declared)} but the expression is ${siDimensionName(c.dims)}; fix the expression or the unit after ':'`);
    }
    subInfo.set(s, { expr: c.expr, dims: declared, bool: c.bool, node: inlineSubs(nodes.get(s)!) });
    if (!c.bool) subexpressions.push({ name: s, dims: declared, expr: c.expr, line: d.line });
  }

  // Differential equations.
  const states: StateVariable[] = [];
  const inlined = new Map<string, MathNode>();
  const xiNames: string[] = [];
  for (const d of decls.filter((x) => x.kind === 'diff')) {
    const scope: Scope = { model, field: 'equations', line: d.line, column: d.exprColumn, text: d.exprText, resolve: resolveBase, noise: true };
    const node = nodes.get(d.name)!;
    const c = check(scope, node);
    const refs = references(c.expr);
    if (refs.rng) fail(scope, locate(scope, node), `rand()/randn() cannot appear in d${d.name}/dt (an integration method evaluates it several times per step); write white noise as sigma*xi`);
    const declared = dimsOf.get(d.name)!;
    const want = dimsDiv(declared, [0, 0, 1, 0, 0, 0, 0]);
    if (c.bool) fail(scope, locate(scope, node), `d${d.name}/dt must be a number, not a condition`);
    if (!dimsEqual(c.dims, want) && c.value !== 0) {
      fail(scope, locate(scope, node), `unit mismatch: d${d.name}/dt must be ${siDimensionName(want)} (${d.name} is ${siDimensionName(declared)}) but the right-hand side is ${siDimensionName(c.dims)}; ${dimsEqual(c.dims, declared) ? 'divide by a time constant' : 'check each term'}`);
    }
    const inlinedNode = inlineSubs(node);
    const noise: NoiseTerm[] = [];
    for (const xi of refs.xi ?? []) {
      if (!xiNames.includes(xi)) xiNames.push(xi);
      let coefficient: Expr | undefined;
      try {
        coefficient = simplify(check({ ...scope, noise: true }, derivative(inlinedNode, xi)).expr);
      } catch (error) {
        if (error instanceof EquationError) throw error;
      }
      const cr = coefficient ? references(coefficient) : undefined;
      if (!coefficient || !cr || cr.state.size > 0 || (cr.xi?.size ?? 0) > 0) {
        const bad = cr ? [...cr.state, ...(cr.xi ?? [])].join(', ') : 'a function that cannot be differentiated';
        fail(scope, locate(scope, parse(xi)), `only additive noise is supported: the factor of ${xi} in d${d.name}/dt depends on ${bad}; write it as (constant or parameter)*${xi}`);
      }
      noise.push({ xi, coefficient });
    }
    const deterministic = noise.length > 0 ? simplify(substituteXi(c.expr, () => num(0))) : c.expr;
    states.push({ name: d.name, dims: declared, unlessRefractory: d.flags.includes('unless refractory'), rhs: deterministic, noise, line: d.line });
    inlined.set(d.name, inlinedNode);
  }

  const writable = new Set([...stateNames, ...params.filter((p) => p.scope === 'neuron' && p.origin === 'equations').map((p) => p.name)]);

  // Threshold.
  let threshold: Expr | null = null;
  if (description.threshold !== undefined) {
    if (typeof description.threshold !== 'string') throw new EquationError(model, 'threshold', 0, 0, `must be a condition string such as "v > Vt" (got ${typeof description.threshold})`);
    const lines2 = splitLines(description.threshold, false);
    if (lines2.length !== 1) throw new EquationError(model, 'threshold', lines2[1]?.number ?? 1, 1, 'the threshold is one condition on one line, e.g. v > Vt');
    const l = lines2[0]!;
    const scope: Scope = { model, field: 'threshold', line: l.number, column: 1, text: l.text, resolve: resolveBase };
    const node = parseExpression(scope);
    const c = check(scope, node);
    if (!c.bool) fail(scope, locate(scope, node), `the threshold must be a condition (true/false) such as v > Vt (got ${describeTerm(node)}, a value in ${siDimensionName(c.dims)}); compare it with something`);
    threshold = c.expr;
  }

  // Reset.
  const reset: ResetStatement[] = [];
  if (description.reset !== undefined) {
    if (typeof description.reset !== 'string') throw new EquationError(model, 'reset', 0, 0, `must be a string of statements such as "v = Vr" (got ${typeof description.reset})`);
    for (const l of splitLines(description.reset, true)) {
      const m = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*(\+=|-=|\*=|\/=|=)(.*)$/.exec(l.text);
      if (!m || m[4]!.trimStart().startsWith('=')) {
        throw new EquationError(model, 'reset', l.number, l.text.search(/\S/) + 1, `cannot read the statement '${l.text.trim()}'; write 'variable = expression' (or +=, -=, *=, /=)`);
      }
      const target = m[2]!;
      const col = m[1]!.length + 1;
      if (!writable.has(target)) {
        const what = subs.has(target) ? 'a subexpression' : paramOf.get(target)?.scope === 'shared' ? 'a shared parameter or constant' : 'not a variable of the model';
        throw new EquationError(model, 'reset', l.number, col, `cannot assign to '${target}': it is ${what}; the reset may assign state variables (${[...writable].join(', ')})`);
      }
      const exprColumn = l.text.length - m[4]!.length + 1;
      const scope: Scope = { model, field: 'reset', line: l.number, column: exprColumn, text: m[4]!, resolve: resolveBase };
      const node = parseExpression(scope);
      const c = check(scope, node);
      const op = m[3] as ResetStatement['op'];
      const targetDims = stateNames.includes(target) ? dimsOf.get(target)! : paramOf.get(target)!.dims;
      const want = op === '*=' || op === '/=' ? DIMENSIONLESS : targetDims;
      if (c.bool) fail(scope, locate(scope, node), 'the value assigned must be a number, not a condition');
      if (!dimsEqual(c.dims, want) && c.value !== 0) fail(scope, locate(scope, node), `unit mismatch: '${target} ${op} …' needs a value in ${siDimensionName(want)} but ${describeTerm(node)} is ${siDimensionName(c.dims)}`);
      reset.push({ target, op, value: c.expr });
    }
  }

  /** Scope of expressions of constants and shared parameters only (refractory period, conditions). */
  const sharedScope = (field: string, text: string, perNeuron = (n: string): string => `'${n}' varies per neuron; ${field} may use constants and shared parameters only`): Scope => ({
    model, field, line: 1, column: 1, text,
    resolve: (n) => {
      const p = paramOf.get(n);
      if (p && p.scope === 'shared') return { kind: 'param', dims: p.dims };
      const unit = UNITS.get(n);
      if (unit) return { kind: 'const', dims: unit.dims, value: toInternal(unit) };
      return undefined;
    },
    forbidden: (n) => (stateNames.includes(n) || writable.has(n) ? perNeuron(n) : undefined),
  });

  // Refractory period.
  let refractory: Expr | null = null;
  if (description.refractory !== undefined && description.refractory !== null) {
    if (typeof description.refractory !== 'string') throw new EquationError(model, 'refractory', 0, 0, `must be a duration string such as "5*ms" (got ${typeof description.refractory})`);
    const scope = sharedScope('refractory', description.refractory, (n) => `the refractory period may use constants and shared parameters only (got '${n}'); refractory conditions are not yet supported`);
    const node = parseExpression(scope);
    const c = check(scope, node);
    if (c.bool) fail(scope, 0, 'refractory conditions (boolean expressions) are not yet supported; give a duration such as "5*ms"');
    if (!dimsEqual(c.dims, [0, 0, 1, 0, 0, 0, 0])) fail(scope, locate(scope, node), `the refractory period must be a duration (got ${siDimensionName(c.dims)}); write e.g. "5*ms"`);
    if (c.value !== undefined && !(c.value >= 0)) fail(scope, 0, `the refractory period must be ≥ 0 (got ${c.value} ms)`);
    refractory = c.expr;
  }

  // Kind, output, receptors and inputs.
  const kind = description.kind ?? (description.output !== undefined ? 'rate' : 'spiking');
  if (!['spiking', 'rate', 'source'].includes(kind)) throw new EquationError(model, 'kind', 0, 0, `unknown kind '${String(kind)}'; use spiking, rate or source`);
  let output: string | null = null;
  if (kind === 'rate') {
    output = description.output ?? null;
    if (output === null) throw new EquationError(model, 'output', 1, 1, 'a rate model needs "output": the variable that rate projections carry (e.g. "r")');
    if (!stateNames.includes(output) && !subexpressions.some((x) => x.name === output)) {
      throw new EquationError(model, 'output', 1, 1, `'${output}' is not a differential-equation variable or subexpression of the model; choose from ${[...stateNames, ...subexpressions.map((x) => x.name)].join(', ')}`);
    }
  } else if (description.output !== undefined) {
    throw new EquationError(model, 'output', 0, 0, `only rate models have an output (this model is ${kind}); remove "output" or set "kind": "rate"`);
  }
  // Rate models receive summed inputs into parameters; spiking models add to writable variables.
  const summedInputs = new Set(params.filter((p) => p.origin === 'equations').map((p) => p.name));
  const inputTargets = kind === 'rate' ? summedInputs : writable;
  const inputWhat = kind === 'rate' ? 'a parameter declared in the equations (a summed input, e.g. I : 1)' : 'a state variable or per-neuron parameter';
  const receptors: Partial<Record<'excitatory' | 'inhibitory' | 'apical', ReceptorRoute>> = {};
  for (const [receptor, statement] of Object.entries(description.receptors ?? {})) {
    const field = `receptors.${receptor}`;
    if (!['excitatory', 'inhibitory', 'apical'].includes(receptor)) throw new EquationError(model, field, 0, 0, `unknown receptor '${receptor}'; use excitatory, inhibitory or apical`);
    const m = typeof statement === 'string' ? /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\+=|-=)\s*w\s*$/.exec(statement) : null;
    if (!m) throw new EquationError(model, field, 1, 1, `cannot read ${JSON.stringify(statement)}; write "VAR += w" or "VAR -= w"`);
    if (!inputTargets.has(m[1]!)) throw new EquationError(model, field, 1, 1, `'${m[1]}' is not ${inputWhat}; choose from ${[...inputTargets].join(', ')}`);
    receptors[receptor as 'excitatory'] = { target: m[1]!, sign: m[2] === '+=' ? 1 : -1 };
  }
  let onPreTargets: string[];
  if (description.on_pre_targets !== undefined) {
    if (!Array.isArray(description.on_pre_targets) || description.on_pre_targets.length > 4) throw new EquationError(model, 'on_pre_targets', 0, 0, 'must list at most 4 variables (one input channel each)');
    for (const t of description.on_pre_targets) {
      if (!inputTargets.has(t)) throw new EquationError(model, 'on_pre_targets', 0, 0, `'${t}' is not ${inputWhat} of the model; choose from ${[...inputTargets].join(', ')}`);
    }
    onPreTargets = [...description.on_pre_targets];
  } else if (description.receptors !== undefined || kind !== 'spiking') {
    onPreTargets = [];
    for (const r of ['excitatory', 'inhibitory', 'apical'] as const) {
      const t = receptors[r]?.target;
      if (t !== undefined && !onPreTargets.includes(t)) onPreTargets.push(t);
    }
  } else {
    onPreTargets = stateNames.slice(0, 4);
  }
  for (const r of Object.values(receptors)) {
    if (!onPreTargets.includes(r.target)) throw new EquationError(model, 'receptors', 0, 0, `receptor target '${r.target}' is not in on_pre_targets (${onPreTargets.join(', ')}); add it`);
  }
  if (kind === 'rate' && onPreTargets.length > 2) throw new EquationError(model, 'on_pre_targets', 0, 0, `a rate model has at most 2 summed inputs (soma, apical), got ${onPreTargets.join(', ')}`);
  if (kind === 'rate' && receptors.apical && onPreTargets.indexOf(receptors.apical.target) !== 1) throw new EquationError(model, 'receptors.apical', 0, 0, 'the apical input of a rate model is its second summed input; list the somatic input first');
  if (kind === 'source' && onPreTargets.length > 0) throw new EquationError(model, 'kind', 0, 0, 'a source receives no synaptic input; remove its receptors/on_pre_targets or make it spiking');

  const apicalCurrentParam = description.apical_current ?? null;
  if (apicalCurrentParam !== null) {
    const p = paramOf.get(apicalCurrentParam);
    if (!p) throw new EquationError(model, 'apical_current', 0, 0, `'${apicalCurrentParam}' is not a parameter declared in the equations; declare it or leave "apical_current" out`);
  }

  // Conditions on shared parameters: spikes_if and constraints.
  const condition = (field: string, text: unknown): Expr => {
    if (typeof text !== 'string') throw new EquationError(model, field, 0, 0, `must be a condition string such as "spike_rate_hz > 0*Hz" (got ${typeof text})`);
    const scope = sharedScope(field, text);
    const node = parseExpression(scope);
    const c = check(scope, node);
    if (!c.bool) fail(scope, locate(scope, node), `must be a condition (true/false), got ${describeTerm(node)}`);
    return c.expr;
  };
  const spikesIf = description.spikes_if !== undefined ? condition('spikes_if', description.spikes_if) : null;
  const constraints = (description.constraints ?? []).map((item, k) => {
    const expr = condition(`constraints.${k}`, item?.condition);
    return { expr, condition: item.condition, message: typeof item.message === 'string' ? item.message : '', params: [...references(expr).param] };
  });
  if (kind === 'rate' || kind === 'source') {
    // Rate models spike only through an explicit threshold; sources must have one.
    if (kind === 'source' && description.threshold === undefined) throw new EquationError(model, 'threshold', 0, 0, 'a source needs a threshold (e.g. rand() < rate*dt)');
  }

  const inputs = new Set([...(currentParam ? [currentParam] : []), ...(apicalCurrentParam ? [apicalCurrentParam] : []), ...(kind === 'rate' ? onPreTargets : [])]);
  const { method, reason, linear } = chooseMethod(model, description.method, states, inlined, params, inputs, resolveBase);
  const schedule = description.schedule ?? 'brian2';
  if (!STEP_SCHEDULES.includes(schedule)) {
    throw new EquationError(model, 'schedule', 1, 1, `unknown step order '${String(schedule)}'; use ${STEP_SCHEDULES.map((x) => `'${x}'`).join(' or ')} (or leave it out for Brian2's)`);
  }
  // Subexpressions of constants and shared parameters are the same for every neuron: not stored.
  const varies = (x: StoredSubexpression): boolean => {
    const refs = references(x.expr);
    return refs.state.size > 0 || refs.rng === true || [...refs.param].some((p) => paramOf.get(p)?.scope === 'neuron' || inputs.has(p));
  };
  return {
    name, description, states, params, threshold, reset, refractory, method, methodReason: reason, schedule, linear, onPreTargets, currentParam,
    apicalCurrentParam, subexpressions: subexpressions.filter(varies), xiNames, rngSites: { ...rngSites }, kind, output, receptors, spikesIf, constraints, choices,
  };
}

/** Derivative of a (subexpression-inlined) mathjs tree with respect to a state variable, as IR; undefined when mathjs cannot differentiate it. */
function differentiate(node: MathNode, variable: string, toIr: (n: MathNode) => Expr): Expr | undefined {
  let d: MathNode;
  try {
    d = derivative(node, variable);
  } catch {
    return undefined;
  }
  return simplify(toIr(d));
}

function chooseMethod(
  model: string,
  forced: IntegrationMethod | undefined,
  states: readonly StateVariable[],
  inlined: ReadonlyMap<string, MathNode>,
  params: readonly ModelParameter[],
  inputs: ReadonlySet<string>,
  resolve: (n: string) => Symbolic | undefined,
): { method: IntegrationMethod; reason: string; linear: LinearForm } {
  if (forced !== undefined && !INTEGRATION_METHODS.includes(forced)) {
    throw new EquationError(model, 'method', 1, 1, `unknown method '${String(forced)}'; use one of ${INTEGRATION_METHODS.join(', ')} (or leave it out for the automatic choice)`);
  }
  const names = states.map((s) => s.name);
  const perNeuron = new Set(params.filter((p) => p.scope === 'neuron').map((p) => p.name));
  const toIr = (n: MathNode): Expr => check({ model, field: 'equations', line: 0, column: 0, text: '', resolve }, n).expr;

  // Exact: ∂f_i/∂x_j constant (shared parameters only), so f = M x + c.
  let exactWhyNot = '';
  const jacobian: Expr[][] = [];
  for (const s of states) {
    const row: Expr[] = [];
    for (const x of names) {
      const d = differentiate(inlined.get(s.name)!, x, toIr);
      if (d === undefined) {
        exactWhyNot = `d${s.name}/dt uses a function that is not differentiable symbolically`;
        break;
      }
      const refs = references(d);
      if (refs.state.size > 0) {
        exactWhyNot = `d${s.name}/dt is not linear in ${x} (∂/∂${x} depends on ${[...refs.state].join(', ')})`;
        break;
      }
      const varying = [...refs.param].filter((p) => perNeuron.has(p) || inputs.has(p));
      if (varying.length > 0) {
        exactWhyNot = `the coefficient of ${x} in d${s.name}/dt depends on ${varying.join(', ')}, which varies per neuron or with the input (declare it (shared) to allow exact)`;
        break;
      }
      row.push(d);
    }
    if (exactWhyNot) break;
    jacobian.push(row);
  }
  if (!exactWhyNot) {
    for (const s of states) {
      for (const term of s.noise) {
        const varying = [...references(term.coefficient).param].filter((p) => perNeuron.has(p) || inputs.has(p));
        if (varying.length > 0) exactWhyNot = `the noise factor of ${term.xi} in d${s.name}/dt depends on ${varying.join(', ')}, which varies per neuron or with the input`;
      }
    }
  }
  const zero = (e: Expr): Expr => simplify(substituteState(e, () => num(0)));
  if (!exactWhyNot && (forced === undefined || forced === 'exact')) {
    return {
      method: 'exact',
      reason: forced ? 'forced' : 'linear with constant coefficients: exact propagator matrix',
      linear: { jacobian, constant: states.map((s) => zero(s.rhs)) },
    };
  }
  if (forced === 'exact') throw new EquationError(model, 'method', 1, 1, `'exact' needs a linear system with constant coefficients, but ${exactWhyNot}; use exponential_euler, rk2 or rk4, or leave method out`);

  // Exponential Euler: each f_i linear in x_i.
  let expWhyNot = '';
  const a: (Expr | null)[] = [];
  const b: Expr[] = [];
  for (const s of states) {
    const d = differentiate(inlined.get(s.name)!, s.name, toIr);
    if (d === undefined) {
      expWhyNot = `d${s.name}/dt uses a function that is not differentiable symbolically`;
      break;
    }
    if (references(d).state.has(s.name)) {
      expWhyNot = `d${s.name}/dt is not linear in ${s.name}`;
      break;
    }
    a.push(isZero(d) ? null : d);
    b.push(simplify(substituteState(s.rhs, (n) => (n === s.name ? num(0) : undefined))));
  }
  if (!expWhyNot && (forced === undefined || forced === 'exponential_euler')) {
    return { method: 'exponential_euler', reason: forced ? 'forced' : `conditionally linear (${exactWhyNot}): exponential Euler`, linear: { a, b } };
  }
  if (forced === 'exponential_euler') throw new EquationError(model, 'method', 1, 1, `'exponential_euler' needs each equation linear in its own variable, but ${expWhyNot}; use rk2 or rk4, or leave method out`);
  if (forced !== undefined) return { method: forced, reason: 'forced', linear: {} };
  return { method: 'rk4', reason: `nonlinear (${expWhyNot}): fourth-order Runge–Kutta`, linear: {} };
}

/**
 * Check an expression of constants and shared parameters of a compiled model (default initial
 * values) against a dimension.
 * @throws EquationError naming the field
 */
export function compileSharedExpression(model: string, compiled: CompiledEquationModel, field: string, text: string, dims: Dims): Expr {
  if (typeof text !== 'string') throw new EquationError(model, field, 0, 0, `must be an expression string such as "El" (got ${typeof text})`);
  const shared = new Map(compiled.params.filter((p) => p.scope === 'shared').map((p) => [p.name, p]));
  const scope: Scope = {
    model, field, line: 1, column: 1, text,
    resolve: (n) => {
      const p = shared.get(n);
      if (p) return { kind: 'param', dims: p.dims };
      const unit = UNITS.get(n);
      if (unit) return { kind: 'const', dims: unit.dims, value: toInternal(unit) };
      return undefined;
    },
  };
  const node = parseExpression(scope);
  const c = check(scope, node);
  if (c.bool || (!dimsEqual(c.dims, dims) && !unitFree(c))) fail(scope, locate(scope, node), `must be a value in ${siDimensionName(dims)} (got ${describeTerm(node)})`);
  return c.expr;
}
