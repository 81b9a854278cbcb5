/** Types for parse-prometheus-text-format 1.1.1, which ships none: its prom2json-shaped output (a CommonJS function). */
declare module "parse-prometheus-text-format" {
  namespace parsePrometheusTextFormat {
    interface PromSample {
      labels?: Record<string, string>;
      /** Counters, gauges and untyped samples: the number as written ("1", "NaN", "+Inf"). */
      value?: string;
      /** Histograms and summaries. */
      buckets?: Record<string, string>;
      quantiles?: Record<string, string>;
      count?: string;
      sum?: string;
    }
    interface PromFamily {
      name: string;
      help: string;
      type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
      metrics: PromSample[];
    }
  }
  function parsePrometheusTextFormat(text: string): parsePrometheusTextFormat.PromFamily[];
  export = parsePrometheusTextFormat;
}
