// golive's fixed lint rule set (like ruff --isolated): @eslint/js "recommended" (the problems, not style),
// pinned by tools/node/package-lock.json, the same for every application. For TypeScript the rules that
// the compiler checks itself are off, as typescript-eslint's "eslint-recommended" override does.
import { JS_FILES, TS_FILES, languages, jsRecommended } from "./base.mjs";

const TS_CHECKED = ["constructor-super", "getter-return", "no-class-assign", "no-const-assign", "no-dupe-args",
  "no-dupe-class-members", "no-dupe-keys", "no-func-assign", "no-import-assign", "no-new-native-nonconstructor",
  "no-obj-calls", "no-redeclare", "no-setter-return", "no-this-before-super", "no-undef", "no-unreachable",
  "no-unsafe-negation", "no-unused-vars", "no-with"];

export default [
  ...languages,
  { files: [...JS_FILES, ...TS_FILES], rules: jsRecommended() },
  { files: TS_FILES, rules: Object.fromEntries(TS_CHECKED.map((rule) => [rule, "off"])) },
];
