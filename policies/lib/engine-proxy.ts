/**
 * The policy engine wraps resource props in @pulumi/policy's unknown-checking proxy, which throws UnknownValueError
 * when a policy reads a value that is unknown during preview. Its typings are internal, so the parts used are declared here.
 */
interface ProxyModule {
  unknownCheckingProxy<T extends object>(props: T): T;
  UnknownValueError: abstract new (...args: never[]) => Error;
  unknownStringValue: string;
  unknownNumberValue: string;
  unknownBooleanValue: string;
  unknownArrayValue: string;
  unknownObjectValue: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped internal module of @pulumi/policy
const proxy = require("@pulumi/policy/proxy") as ProxyModule;

export const { unknownCheckingProxy, UnknownValueError } = proxy;
/** Sentinels the engine puts where a value is not known yet. */
export const UNKNOWN = {
  string: proxy.unknownStringValue,
  number: proxy.unknownNumberValue,
  boolean: proxy.unknownBooleanValue,
  array: proxy.unknownArrayValue,
  object: proxy.unknownObjectValue,
} as const;
