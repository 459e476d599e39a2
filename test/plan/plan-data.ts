// The plan's builder is shared with the benchmark (npm run bench -- plan loads the same plan at 100,000 records).
export { managerOf, parentOf, planFiles } from '../../bench/plan-data.js';
export type { PlanSizes, PlanVariant } from '../../bench/plan-data.js';
