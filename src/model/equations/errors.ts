/** Errors of equation models: which model, which field, line and column, what to do. */

/** The field of a model description an error points into. */
export type DescriptionField = 'equations' | 'threshold' | 'reset' | 'refractory' | 'method' | 'namespace' | 'on_pre' | 'current' | 'name' | 'on_pre_targets';

/**
 * A problem in an equation model description. `message` reads
 * `model NAME, FIELD line L, col C: what is wrong; what to do`; `detail` is the part after the
 * location, for spec errors that carry the location in their path.
 */
export class EquationError extends Error {
  /** Name of the model. */
  readonly model: string;
  /** Field of the description (`equations`, `threshold`, …; `namespace.NAME` for a constant). */
  readonly field: string;
  /** 1-based line within the field's text (0 when the field is not text). */
  readonly line: number;
  /** 1-based column within that line (0 when unknown). */
  readonly column: number;
  /** What is wrong and what to do, without the location. */
  readonly detail: string;

  constructor(model: string, field: string, line: number, column: number, detail: string) {
    super(`model ${model}, ${field}${EquationError.where(line, column)}: ${detail}`);
    this.name = 'EquationError';
    this.model = model;
    this.field = field;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }

  /** ` line L, col C` (or less when unknown). */
  static where(line: number, column: number): string {
    if (line <= 0) return '';
    return ` line ${line}${column > 0 ? `, col ${column}` : ''}`;
  }

  /** The location and detail without the model and field: `line 2, col 14: …`. */
  get located(): string {
    const where = EquationError.where(this.line, this.column).trim();
    return where ? `${where}: ${this.detail}` : this.detail;
  }
}
