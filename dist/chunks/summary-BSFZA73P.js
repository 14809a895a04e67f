import {
  formatStatus,
  formatSummary,
  table
} from "./chunk-SZTEK7KO.js";
export {
  formatStatus,
  formatSummary,
  table
};
//# sourceMappingURL=summary-BSFZA73P.js.map
