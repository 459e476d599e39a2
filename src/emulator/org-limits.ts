import type { BulkApi } from './bulk.js';
import type { OrgStore } from './store.js';

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

/**
 * `/limits/recordCount?sObjects=Account,Contact` (v40.0+): the records of each named object, or of every object
 * that has any; names the org does not know are left out [doc REST "Record Count"]. Salesforce's counts are
 * refreshed now and then; these are exact.
 */
export function recordCounts(
  store: OrgStore,
  url: URL,
): { sObjects: Array<{ count: number; name: string }> } {
  const wanted = url.searchParams.get('sObjects');
  const names = wanted === null ? store.schema.all().map((m) => m.name) : wanted.split(',').filter(Boolean);
  const sObjects = [];
  for (const name of names) {
    const object = store.object(name.trim());
    if (!object || (wanted === null && object.live.size === 0)) continue;
    sObjects.push({ count: object.live.size, name: object.meta.name });
  }
  return { sObjects };
}
