// What golive's two eslint configurations share: which files, how they parse, where the plugins come from.
// The plugins are resolved from the eslint that runs this file (golive's tools/node install), not from
// the tree being measured, so the measurement does not depend on the application's own node_modules.
import { createRequire } from "node:module";

const require = createRequire(process.argv[1] || import.meta.url);
const tsParser = require("@typescript-eslint/parser");
const globals = require("globals");

export const JS_FILES = ["**/*.js", "**/*.jsx", "**/*.mjs", "**/*.cjs"];
export const TS_FILES = ["**/*.ts", "**/*.tsx", "**/*.mts", "**/*.cts"];

const sharedGlobals = { ...globals.node, ...globals.browser, ...globals.es2024 };

/** Parsing of JavaScript (ECMAScript 2024 modules, CommonJS for .cjs) and TypeScript (no type information). */
export const languages = [
  { files: JS_FILES, languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: sharedGlobals,
                                        parserOptions: { ecmaFeatures: { jsx: true } } } },
  { files: ["**/*.cjs"], languageOptions: { sourceType: "commonjs" } },
  { files: TS_FILES, languageOptions: { parser: tsParser, ecmaVersion: 2024, sourceType: "module",
                                        globals: sharedGlobals } },
];

export function jsRecommended() {
  return require("@eslint/js").configs.recommended.rules;
}
