// golive's measurement rules. Each reports every unit it counts (documented or not, annotated or not),
// so that golive computes a coverage from eslint's JSON output; the message carries the counts.

const FUNCTION_TYPES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression",
  "TSDeclareFunction", "TSEmptyBodyFunctionExpression"]);
const OUTER_STATEMENTS = new Set(["ExportNamedDeclaration", "ExportDefaultDeclaration", "VariableDeclaration",
  "ExpressionStatement", "TSExportAssignment"]);

/** True when a node lies inside a function: nested code is not counted (as interrogate's ignore-nested). */
function isNested(node) {
  for (let up = node.parent; up; up = up.parent) {
    if (FUNCTION_TYPES.has(up.type)) return true;
  }
  return false;
}

/** The statement whose leading comment documents `node` (an export, a `const f = …`, `exports.f = …`). */
function documentedNode(node) {
  let target = node;
  while (target.parent && (target.parent.type === "VariableDeclarator" || target.parent.type === "AssignmentExpression"
         || OUTER_STATEMENTS.has(target.parent.type))) {
    target = target.parent;
    if (target.type === "ExpressionStatement" || target.type === "ExportNamedDeclaration"
        || target.type === "ExportDefaultDeclaration") break;
  }
  if (target.type === "VariableDeclarator") target = target.parent;
  if (target.parent && (target.parent.type === "ExportNamedDeclaration" || target.parent.type === "ExportDefaultDeclaration")) {
    target = target.parent;
  }
  return target;
}

function hasJsdoc(sourceCode, node) {
  const before = sourceCode.getCommentsBefore(documentedNode(node));
  const last = before[before.length - 1];
  return Boolean(last && last.type === "Block" && last.value.startsWith("*"));
}

function keyName(key) {
  if (!key) return "(anonymous)";
  if (key.type === "Identifier") return key.name;
  if (key.type === "PrivateIdentifier") return `#${key.name}`;
  if (key.type === "Literal") return String(key.value);
  return "(computed)";
}

/** True for an overload signature (documented, if at all, with its implementation). */
function isOverload(method) {
  return method.type === "MethodDefinition" && method.value.type === "TSEmptyBodyFunctionExpression";
}

/** The functions a reader expects documented, and their names; null for the others. */
function documentable(node) {
  if (isNested(node)) return null;
  const parent = node.parent;
  if (node.type === "ClassDeclaration" || node.type === "ClassExpression") {
    if (node.type === "ClassExpression" && parent.type !== "VariableDeclarator" && parent.type !== "ExportDefaultDeclaration") {
      return null;
    }
    return `class ${node.id ? node.id.name : parent.type === "VariableDeclarator" ? keyName(parent.id) : "(default)"}`;
  }
  if (node.type === "MethodDefinition" || node.type === "TSAbstractMethodDefinition") {
    if (isOverload(node)) return null;
    if (node.kind === "constructor" || node.key.type === "PrivateIdentifier" || node.accessibility === "private") return null;
    return `method ${keyName(node.key)}`;
  }
  if (node.type === "FunctionDeclaration") {
    return `function ${node.id ? node.id.name : "(default)"}`;
  }
  if (parent.type === "VariableDeclarator" && parent.init === node) return `function ${keyName(parent.id)}`;
  if (parent.type === "AssignmentExpression" && parent.right === node && parent.parent.type === "ExpressionStatement") {
    const left = parent.left;
    return `function ${left.type === "MemberExpression" ? keyName(left.property) : keyName(left)}`;
  }
  if (parent.type === "ExportDefaultDeclaration") return "function (default)";
  return null;
}

const jsdoc = {
  meta: { type: "suggestion", schema: [],
          docs: { description: "Reports every top-level function, class and public method with whether it has JSDoc." },
          messages: { unit: "{{status}} {{what}}" } },
  create(context) {
    const sourceCode = context.sourceCode;
    function check(node) {
      const what = documentable(node);
      if (what === null) return;
      const status = hasJsdoc(sourceCode, node) ? "documented" : "undocumented";
      context.report({ node, messageId: "unit", data: { status, what } });
    }
    return {
      FunctionDeclaration: check, FunctionExpression(node) { if (node.parent.type !== "MethodDefinition") check(node); },
      ArrowFunctionExpression: check, ClassDeclaration: check, ClassExpression: check,
      MethodDefinition: check, TSAbstractMethodDefinition: check,
    };
  },
};

/** True for a function whose types come from where it is written (a callback argument, a typed variable). */
function contextuallyTyped(node) {
  const parent = node.parent;
  if ((parent.type === "CallExpression" || parent.type === "NewExpression") && parent.arguments.includes(node)) return true;
  return parent.type === "VariableDeclarator" && Boolean(parent.id.typeAnnotation);
}

function paramAnnotated(param) {
  const inner = param.type === "TSParameterProperty" ? param.parameter : param;
  if (inner.type === "AssignmentPattern") return Boolean(inner.left.typeAnnotation);
  return Boolean(inner.typeAnnotation);
}

const annotations = {
  meta: { type: "suggestion", schema: [],
          docs: { description: "Reports every TypeScript function with its annotated parameters and return." },
          messages: { unit: "annotates {{annotated}} of {{total}}: {{what}}" } },
  create(context) {
    function check(node) {
      if (contextuallyTyped(node)) return;
      const method = node.parent.type === "MethodDefinition" || node.parent.type === "TSAbstractMethodDefinition"
        ? node.parent : null;
      if (method && isOverload(method)) return;
      const slots = node.params.map(paramAnnotated);
      if (!method || (method.kind !== "constructor" && method.kind !== "set")) slots.push(Boolean(node.returnType));
      if (slots.length === 0) return;
      const name = method ? keyName(method.key) : node.id ? node.id.name
        : node.parent.type === "VariableDeclarator" ? keyName(node.parent.id) : "(anonymous)";
      context.report({ node, messageId: "unit",
                       data: { annotated: String(slots.filter(Boolean).length), total: String(slots.length), what: name } });
    }
    return { FunctionDeclaration: check, FunctionExpression: check, ArrowFunctionExpression: check,
             TSEmptyBodyFunctionExpression: check };
  },
};

export default { meta: { name: "golive", version: "1.0.0" }, rules: { jsdoc, annotations } };
