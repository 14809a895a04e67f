// lib/contract/contract.ts
function defineSeed(seed) {
  return seed;
}
var DEFAULT_PRIORITY = 100;
var SEED_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export {
  defineSeed,
  DEFAULT_PRIORITY,
  SEED_NAME
};
//# sourceMappingURL=chunk-IO7WYGO7.js.map
