// golive's measurement rules: every function's cyclomatic complexity (the core "complexity" rule with
// max 0 reports each function with its number), JSDoc presence and TypeScript annotations (golive's rules).
import { JS_FILES, TS_FILES, languages } from "./base.mjs";
import plugin from "./golive-plugin.mjs";

export default [
  ...languages,
  { files: [...JS_FILES, ...TS_FILES], plugins: { golive: plugin },
    rules: { complexity: ["warn", { max: 0 }], "golive/jsdoc": "warn" } },
  { files: TS_FILES, rules: { "golive/annotations": "warn" } },
];
