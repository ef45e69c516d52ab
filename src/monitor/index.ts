export { monitor } from './monitor.js';
export type { MonitorOptions, MonitorSource } from './monitor.js';
export type { MonitorSnapshot, ServerRates, TubeRates, TubeSnapshot } from './snapshot.js';
