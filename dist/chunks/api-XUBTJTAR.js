import {
  fresh,
  plan,
  seed,
  status,
  validate
} from "./chunk-NBWOXC2R.js";
import "./chunk-IO7WYGO7.js";
import "./chunk-TFDB6JHZ.js";
import "./chunk-GEZXA2OC.js";
import "./chunk-PXCDQJM3.js";
import "./chunk-IGOMR4D7.js";
import "./chunk-K7UNPX46.js";
import "./chunk-AXPJMKOQ.js";
import "./chunk-MHV4YG4X.js";
export {
  fresh,
  plan,
  seed,
  status,
  validate
};
//# sourceMappingURL=api-XUBTJTAR.js.map
