/**
 * CloudWatch metric math over per-period series, for the expressions alarms use: ids, numbers, + - * /, parentheses,
 * FILL(series, value | REPEAT) and SUM/MIN/MAX/AVG([...]). Semantics from "Using metric math" and its function
 * reference (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html):
 * - series op series has a value only at timestamps where both have one; series op scalar applies to every point;
 * - FILL fills every period of the query's range that has no value (REPEAT: the most recent earlier value);
 * - SUM/MIN/MAX/AVG of an array give, per timestamp, the function over the series that have a value there.
 * Anything else is refused: an alarm whose expression this cannot read is not simulated kindly.
 */

/** Period start (epoch seconds) -> value. */
export type Series = Map<number, number>;
export type Value = Series | number;

export class MetricMathError extends Error {
  override name = "MetricMathError";
}

type Node =
  | { kind: "num"; value: number }
  | { kind: "id"; id: string }
  | { kind: "bin"; op: "+" | "-" | "*" | "/"; left: Node; right: Node }
  | { kind: "neg"; arg: Node }
  | { kind: "call"; fn: string; args: Node[] }
  | { kind: "array"; items: Node[] }
  | { kind: "keyword"; word: "REPEAT" | "LINEAR" };

function tokenize(src: string): string[] {
  const out: string[] = [];
  const re = /\s*(\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[-+*/(),[\]])/y;
  let at = 0;
  while (at < src.length) {
    if (/^\s*$/.test(src.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(src);
    if (!m) throw new MetricMathError(`cannot read the expression "${src}" at "${src.slice(at)}"`);
    out.push(m[1] as string);
    at = re.lastIndex;
  }
  return out;
}

export function parseExpression(src: string): Node {
  const t = tokenize(src);
  let i = 0;
  const peek = () => t[i];
  const take = (want?: string) => {
    const tok = t[i++];
    if (tok === undefined || (want !== undefined && tok !== want)) throw new MetricMathError(`expected ${want ?? "more"} in "${src}"`);
    return tok;
  };
  const primary = (): Node => {
    const tok = take();
    if (tok === "(") {
      const e = expr();
      take(")");
      return e;
    }
    if (tok === "-") return { kind: "neg", arg: primary() };
    if (tok === "[") {
      const items: Node[] = [];
      if (peek() !== "]") for (;;) { items.push(expr()); if (peek() === ",") take(","); else break; }
      take("]");
      return { kind: "array", items };
    }
    if (/^\d/.test(tok)) return { kind: "num", value: Number(tok) };
    if (tok === "REPEAT" || tok === "LINEAR") return { kind: "keyword", word: tok };
    if (peek() === "(") {
      take("(");
      const args: Node[] = [];
      if (peek() !== ")") for (;;) { args.push(expr()); if (peek() === ",") take(","); else break; }
      take(")");
      return { kind: "call", fn: tok.toUpperCase(), args };
    }
    return { kind: "id", id: tok };
  };
  const term = (): Node => {
    let left = primary();
    while (peek() === "*" || peek() === "/") left = { kind: "bin", op: take() as "*" | "/", left, right: primary() };
    return left;
  };
  const expr = (): Node => {
    let left = term();
    while (peek() === "+" || peek() === "-") left = { kind: "bin", op: take() as "+" | "-", left, right: term() };
    return left;
  };
  const e = expr();
  if (i !== t.length) throw new MetricMathError(`unexpected "${t[i]}" in "${src}"`);
  return e;
}

/** The ids an expression reads. */
export function idsOf(node: Node): string[] {
  switch (node.kind) {
    case "id": return [node.id];
    case "bin": return [...idsOf(node.left), ...idsOf(node.right)];
    case "neg": return idsOf(node.arg);
    case "call": return node.args.flatMap(idsOf);
    case "array": return node.items.flatMap(idsOf);
    default: return [];
  }
}

const apply = (op: string, a: number, b: number): number => (op === "+" ? a + b : op === "-" ? a - b : op === "*" ? a * b : a / b);

function binary(op: string, l: Value, r: Value): Value {
  if (typeof l === "number" && typeof r === "number") return apply(op, l, r);
  const out: Series = new Map();
  if (typeof l === "number") for (const [ts, v] of r as Series) out.set(ts, apply(op, l, v));
  else if (typeof r === "number") for (const [ts, v] of l) out.set(ts, apply(op, v, r));
  else for (const [ts, v] of l) { const w = r.get(ts); if (w !== undefined) out.set(ts, apply(op, v, w)); }
  return out;
}

const REDUCERS: Record<string, (xs: number[]) => number> = {
  SUM: (xs) => xs.reduce((a, b) => a + b, 0),
  MIN: (xs) => Math.min(...xs),
  MAX: (xs) => Math.max(...xs),
  AVG: (xs) => xs.reduce((a, b) => a + b, 0) / xs.length,
};

/** Evaluates over `periods` (the range's period starts, ascending) with the named series. */
export function evaluate(node: Node, series: Record<string, Series>, periods: readonly number[]): Value {
  switch (node.kind) {
    case "num": return node.value;
    case "id": {
      const s = series[node.id];
      if (!s) throw new MetricMathError(`the expression reads "${node.id}", which no query of the alarm defines`);
      return s;
    }
    case "neg": return binary("*", -1, evaluate(node.arg, series, periods));
    case "bin": return binary(node.op, evaluate(node.left, series, periods), evaluate(node.right, series, periods));
    case "keyword": throw new MetricMathError(`${node.word} is only an argument of FILL`);
    case "array": throw new MetricMathError("an array is only an argument of SUM, MIN, MAX or AVG");
    case "call": {
      if (node.fn === "FILL") {
        const [target, fill] = node.args;
        if (!target || !fill || node.args.length !== 2) throw new MetricMathError("FILL takes a series and a value");
        const s = evaluate(target, series, periods);
        if (typeof s === "number") return s;
        const out: Series = new Map();
        let last: number | undefined;
        for (const ts of periods) {
          const v = s.get(ts);
          if (v !== undefined) { out.set(ts, v); last = v; continue; }
          if (fill.kind === "keyword") {
            if (fill.word === "LINEAR") throw new MetricMathError("FILL(..., LINEAR) is not simulated");
            if (last !== undefined) out.set(ts, last);
          } else {
            const f = evaluate(fill, series, periods);
            if (typeof f !== "number") throw new MetricMathError("FILL's value must be a number or REPEAT");
            out.set(ts, f);
          }
        }
        return out;
      }
      const reduce = REDUCERS[node.fn];
      if (!reduce) throw new MetricMathError(`${node.fn} is not a function the simulator knows`);
      const [arg] = node.args;
      if (!arg || arg.kind !== "array" || node.args.length !== 1) throw new MetricMathError(`${node.fn} takes one array of series`);
      const items = arg.items.map((n) => evaluate(n, series, periods));
      const out: Series = new Map();
      for (const ts of periods) {
        const xs = items.map((v) => (typeof v === "number" ? v : v.get(ts))).filter((v): v is number => v !== undefined);
        if (xs.length) out.set(ts, reduce(xs));
      }
      return out;
    }
  }
}
