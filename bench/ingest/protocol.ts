/** What bench/ingest.ts asks its load process to do, and what it answers. */
export interface IngestLoadPlan {
  mqttUrl: string;
  devices: { id: string; token?: string }[];
  /** Seconds of publishing, as fast as the broker acknowledges within the window. */
  durationS: number;
  /** Unacknowledged QoS 1 messages allowed at once over all connections. */
  window: number;
}

export interface IngestLoadResult {
  type: 'result';
  sent: number;
  acked: number;
  /** Epoch ms of the first publish and of the last acknowledgement. */
  firstPublishAt: number;
  lastAckAt: number;
  /** CPU of the load process while publishing, % of one core. */
  load_cpu_percent: number;
  errors: string[];
}

export interface IngestLoadProgress {
  type: 'progress';
  elapsed_s: number;
  sent: number;
  acked: number;
}

export type IngestLoadMessage = IngestLoadResult | IngestLoadProgress;

/** Five metrics per message, as an air station sends them (the JSON written directly: the load's hot path). */
export function airPayload(ts: number, n: number): string {
  return `{"ts":${ts},"metrics":{"pm25":${10 + (n % 40)},"pm10":${30 + (n % 60)},"no2":${20 + (n % 30)},"temp_c":28.5,"rh":75}}`;
}
