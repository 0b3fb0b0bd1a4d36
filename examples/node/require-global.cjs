// The README's Node.js snippet uses `require(...)` together with top-level `await`. Node runs
// top-level await only in ES modules, where `require` is not defined; this preload defines it
// (resolving from the current directory, like `require` in a script there) so the snippet runs
// exactly as written:
//
//   node -r ./require-global.cjs readme-snippet.mjs
globalThis.require = require('node:module').createRequire(`${process.cwd()}/`);
