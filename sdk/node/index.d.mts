// ES module view of the same declarations as index.d.ts.
export * from './index.js';
import * as sdk from './index.js';
export default sdk;
