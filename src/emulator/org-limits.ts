import type { BulkApi } from './bulk.js';

/** The org's API request count against DailyApiRequests. */
export class ApiUsage {
  used = 0;
  max: number;

  constructor(readonly startedMax: number) {
    this.max = startedMax;
  }

  exhausted(): boolean {
    return this.used >= this.max;
  }

  header(): string {
    return `api-usage=${this.used}/${this.max}`;
  }
}

/** The /limits document. */
export function orgLimits(usage: ApiUsage, bulk: BulkApi): Record<string, unknown> {
  return {
    ActiveScratchOrgs: { Max: 3, Remaining: 3 },
    AnalyticsExternalDataSizeMB: { Max: 40960, Remaining: 40960 },
    DailyApiRequests: { Max: usage.max, Remaining: Math.max(0, usage.max - usage.used) },
    DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
    DailyBulkApiBatches: {
      Max: bulk.limits.dailyBatches,
      Remaining: Math.max(0, bulk.limits.dailyBatches - bulk.batchesUsed),
    },
    DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
    DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
    DailyDurableStreamingApiEvents: { Max: 10000, Remaining: 10000 },
    DailyGenericStreamingApiEvents: { Max: 10000, Remaining: 10000 },
    DailyStreamingApiEvents: { Max: 10000, Remaining: 10000 },
    DataStorageMB: { Max: 1024, Remaining: 1024 },
    FileStorageMB: { Max: 1024, Remaining: 1024 },
    HourlyDashboardRefreshes: { Max: 200, Remaining: 200 },
    HourlyODataCallout: { Max: 10000, Remaining: 10000 },
    HourlyTimeBasedWorkflow: { Max: 1000, Remaining: 1000 },
    MassEmail: { Max: 5000, Remaining: 5000 },
    PermissionTypes: { Max: 1000, Remaining: 1000 },
    SingleEmail: { Max: 5000, Remaining: 5000 },
    StreamingApiConcurrentClients: { Max: 2000, Remaining: 2000 },
  };
}
