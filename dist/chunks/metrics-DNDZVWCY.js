import {
  pushMetrics,
  runMetrics,
  writeMetricsFile
} from "./chunk-D2Q3D7QM.js";
import "./chunk-K7UNPX46.js";
import "./chunk-MHV4YG4X.js";
export {
  pushMetrics,
  runMetrics,
  writeMetricsFile
};
//# sourceMappingURL=metrics-DNDZVWCY.js.map
